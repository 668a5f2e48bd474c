package kafkax

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl"
)

func TestConnectionOptions(t *testing.T) {
	creds := credentials.NewStaticCredentialsProvider("a", "b", "")
	for _, tc := range []struct {
		name string
		c    Connection
		err  string // what the error names; "" for success
		sasl string // the SASL mechanism; "" for none
		tls  bool
	}{
		{"plaintext", Connection{Brokers: []string{"b:9092"}, Auth: AuthNone}, "", "", false},
		{"default", Connection{Brokers: []string{"b:9092"}}, "", "", false},
		{"iam", Connection{Brokers: []string{"b:9098"}, Auth: AuthIAM, Credentials: creds}, "", "AWS_MSK_IAM", true},
		{"iam without key", Connection{Brokers: []string{"b:9098"}, Auth: AuthIAM}, "credentials", "", false},
		{"no brokers", Connection{Auth: AuthNone}, "brokers", "", false},
		{"unknown auth", Connection{Brokers: []string{"b"}, Auth: "scram"}, `"scram"`, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts, err := tc.c.Options()
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("Options = %v, want an error naming %s", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			cl, err := kgo.NewClient(opts...)
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Close()
			if got := cl.OptValue(kgo.SeedBrokers).([]string); strings.Join(got, ",") != strings.Join(tc.c.Brokers, ",") {
				t.Fatalf("seed brokers = %v", got)
			}
			mechs, _ := cl.OptValue(kgo.SASL).([]sasl.Mechanism)
			switch {
			case tc.sasl == "" && len(mechs) != 0:
				t.Fatalf("SASL %v, want none", mechs)
			case tc.sasl != "" && (len(mechs) != 1 || mechs[0].Name() != tc.sasl):
				t.Fatalf("SASL %v, want %s", mechs, tc.sasl)
			}
			if got := speaksTLS(t, cl.OptValue(kgo.Dialer)); got != tc.tls {
				t.Fatalf("TLS = %v, want %v", got, tc.tls)
			}
		})
	}
}

// speaksTLS dials a listener with the client's dialer (or a plain one when there is none) and reports
// whether the first bytes are a TLS handshake record.
func speaksTLS(t *testing.T, dialer any) bool {
	t.Helper()
	dial, _ := dialer.(func(ctx context.Context, network, host string) (net.Conn, error))
	if dial == nil {
		return false
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	first := make(chan []byte, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			first <- nil
			return
		}
		defer conn.Close()
		b := make([]byte, 3)
		_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, _ := conn.Read(b)
		first <- b[:n]
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	go func() {
		if conn, err := dial(ctx, "tcp", ln.Addr().String()); err == nil {
			conn.Close()
		}
	}()
	b := <-first
	return len(b) == 3 && b[0] == 0x16 && b[1] == 0x03 // handshake record, TLS 1.x
}

func TestEnsureTopic(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, "ticks"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx := context.Background()
	partitions := func(topic string) int {
		details, err := kadm.NewClient(cl).ListTopics(ctx, topic)
		if err != nil {
			t.Fatal(err)
		}
		return len(details[topic].Partitions)
	}

	if n, err := EnsureTopic(ctx, cl, "new", 3); err != nil || n != 3 || partitions("new") != 3 {
		t.Fatalf("create: %d, %v", n, err)
	}
	if n, err := EnsureTopic(ctx, cl, "ticks", 1); err != nil || n != 2 || partitions("ticks") != 2 {
		t.Fatalf("fewer partitions than the topic has: %d, %v", n, err)
	}
	if n, err := EnsureTopic(ctx, cl, "ticks", 4); err != nil || n != 4 || partitions("ticks") != 4 {
		t.Fatalf("grow: %d, %v", n, err)
	}

	// The broker refuses to add partitions for this topic: its per-topic error must surface.
	c.ControlKey(int16(kmsg.CreatePartitions), func(req kmsg.Request) (kmsg.Response, error, bool) {
		r := req.(*kmsg.CreatePartitionsRequest)
		resp := r.ResponseKind().(*kmsg.CreatePartitionsResponse)
		for _, topic := range r.Topics {
			rt := kmsg.NewCreatePartitionsResponseTopic()
			rt.Topic, rt.ErrorCode = topic.Topic, kerr.PolicyViolation.Code
			msg := "partition count is capped"
			rt.ErrorMessage = &msg
			resp.Topics = append(resp.Topics, rt)
		}
		return resp, nil, true
	})
	n, err := EnsureTopic(ctx, cl, "ticks", 6)
	if err == nil || !strings.Contains(err.Error(), "POLICY_VIOLATION") || !strings.Contains(err.Error(), "capped") || n != 4 {
		t.Fatalf("refused growth: %d, %v; want the broker's error and the partitions the topic has", n, err)
	}
	if partitions("ticks") != 4 {
		t.Fatal("partitions added despite the refusal")
	}
}
