package kafkax

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"
)

func TestConnectionOptions(t *testing.T) {
	creds := credentials.NewStaticCredentialsProvider("a", "b", "")
	for name, tc := range map[string]struct {
		c      Connection
		ok     bool
		minLen int
	}{
		"plaintext":       {Connection{Brokers: []string{"b:9092"}, Auth: AuthNone}, true, 1},
		"iam":             {Connection{Brokers: []string{"b:9098"}, Auth: AuthIAM, Credentials: creds}, true, 3},
		"iam without key": {Connection{Brokers: []string{"b:9098"}, Auth: AuthIAM}, false, 0},
		"no brokers":      {Connection{Auth: AuthNone}, false, 0},
		"unknown auth":    {Connection{Brokers: []string{"b"}, Auth: "scram"}, false, 0},
	} {
		t.Run(name, func(t *testing.T) {
			opts, err := tc.c.Options()
			if (err == nil) != tc.ok || len(opts) < tc.minLen {
				t.Fatalf("Options = %d options, %v", len(opts), err)
			}
		})
	}
}
