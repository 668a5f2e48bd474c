// Package lambdas runs ticklake's functions in process, as Lambda runs them: each built from its
// environment variables alone, each invocation given the exact JSON event AWS sends, through
// lambda.NewHandler(...).Invoke, with a request ID and a deadline in its context.
package lambdas

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/uuid"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/shared/awsx"
	"github.com/ticklake/ticklake/shared/awsx/gluecat"
	"github.com/ticklake/ticklake/shared/clock"
	"github.com/ticklake/ticklake/shared/compactor"
	"github.com/ticklake/ticklake/shared/consumer"
	"github.com/ticklake/ticklake/shared/crawlertrigger"
	"github.com/ticklake/ticklake/shared/envconf"
	"github.com/ticklake/ticklake/shared/kafkax"
	"github.com/ticklake/ticklake/shared/logging"
	"github.com/ticklake/ticklake/shared/producer"
)

// Function names.
const (
	Producer       = "producer"
	Consumer       = "consumer"
	CrawlerTrigger = "crawlertrigger"
	Compactor      = "compactor"
)

// Names lists the functions.
var Names = []string{Producer, Consumer, CrawlerTrigger, Compactor}

// Function is one function, ready to invoke.
type Function struct {
	Name    string
	Env     map[string]string
	Timeout time.Duration
	handler lambda.Handler
	close   func()

	invocations, errors atomic.Int64
	// FailNext, when above 0, makes that many invocations fail before the handler runs (fault
	// injection for tests).
	FailNext atomic.Int64
}

// ErrInjected is the error of an injected failure.
var ErrInjected = errors.New("injected failure")

// Invoke runs the function on payload, as Lambda's Invoke API does.
func (f *Function) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	f.invocations.Add(1)
	ctx, cancel := context.WithTimeout(ctx, f.Timeout)
	defer cancel()
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: uuid.NewString(),
		InvokedFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:ticklake-" + f.Name})
	if f.FailNext.Load() > 0 && f.FailNext.Add(-1) >= 0 {
		f.errors.Add(1)
		return nil, fmt.Errorf("%s: %w", f.Name, ErrInjected)
	}
	out, err := f.handler.Invoke(ctx, payload)
	if err != nil {
		f.errors.Add(1)
	}
	return out, err
}

// Stats returns the invocations and errors so far.
func (f *Function) Stats() (invocations, errs int64) { return f.invocations.Load(), f.errors.Load() }

// Close releases the function's clients.
func (f *Function) Close() {
	if f.close != nil {
		f.close()
	}
}

// Set is the functions.
type Set struct {
	mu  sync.Mutex
	fns map[string]*Function
}

// Get returns a function by name.
func (s *Set) Get(name string) (*Function, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.fns[name]
	return f, ok
}

// Close releases every function.
func (s *Set) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.fns {
		f.Close()
	}
}

// Build makes the functions from their environments. Each environment holds the function's own
// variables and AWS_ENDPOINT_URL, the endpoint every AWS client of the function uses.
func Build(envs map[string]map[string]string, logs io.Writer) (*Set, error) {
	set := &Set{fns: map[string]*Function{}}
	for _, name := range Names {
		env := envs[name]
		f, err := build(name, env, logging.New(logs).With("function", name))
		if err != nil {
			set.Close()
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		set.fns[name] = f
	}
	return set, nil
}

func clients(env map[string]string) (*s3.Client, aws.Config) {
	creds := credentials.NewStaticCredentialsProvider("test", "test", "")
	cfg := aws.Config{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(env["AWS_ENDPOINT_URL"])}
	return awsx.NewS3(cfg), cfg
}

func build(name string, env map[string]string, log *slog.Logger) (*Function, error) {
	s3, cfg := clients(env)
	f := &Function{Name: name, Env: env}
	switch name {
	case Producer:
		c, err := producer.LoadConfig(envconf.FromMap(env))
		if err != nil {
			return nil, err
		}
		opts, err := kafkax.Connection{Brokers: c.Brokers, Auth: c.Auth, Credentials: cfg.Credentials}.Options()
		if err != nil {
			return nil, err
		}
		cl, err := kgo.NewClient(append(opts, producer.ClientOptions(c)...)...)
		if err != nil {
			return nil, err
		}
		f.handler, f.close = lambda.NewHandler(producer.New(c, cl, clock.Wall{}, awsx.URIReader(s3), log).Handle), cl.Close
		f.Timeout = c.Run + 10*time.Second
	case Consumer:
		c, err := consumer.LoadConfig(envconf.FromMap(env))
		if err != nil {
			return nil, err
		}
		f.handler = lambda.NewHandler(consumer.New(c, &awsx.S3Store{Client: s3, Bucket: c.Bucket}, log))
		f.Timeout = 2 * time.Minute
	case CrawlerTrigger:
		c, err := crawlertrigger.LoadConfig(envconf.FromMap(env))
		if err != nil {
			return nil, err
		}
		g := glue.NewFromConfig(cfg)
		f.handler = lambda.NewHandler(crawlertrigger.New(c, &gluecat.GlueCatalog{Client: g}, clock.Wall{}, log).Handle)
		f.Timeout = 5 * time.Minute
	case Compactor:
		c, err := compactor.LoadConfig(envconf.FromMap(env))
		if err != nil {
			return nil, err
		}
		f.handler = lambda.NewHandler(compactor.New(c, s3, glue.NewFromConfig(cfg), log).Handle)
		f.Timeout = 15 * time.Minute
	default:
		return nil, fmt.Errorf("unknown function %q", name)
	}
	return f, nil
}
