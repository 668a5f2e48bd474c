// Package maintest checks a function's main in a child process: that it fails at start on a bad
// configuration, and that with a good one it answers an invocation through the Lambda Runtime API.
package maintest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const childVar = "TICKLAKE_RUN_MAIN"

// FailsAtStart runs main in a child process (the test binary itself, re-run for the calling test)
// with only the environment given: main must exit non-zero with a message that names variable.
func FailsAtStart(t *testing.T, main func(), variable string, env ...string) {
	t.Helper()
	if os.Getenv(childVar) == "1" {
		main()
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$")
	cmd.Env = append([]string{childVar + "=1", "AWS_REGION=us-east-1", "PATH=" + os.Getenv("PATH")}, env...)
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("main started without %s:\n%s", variable, out)
	}
	if !strings.Contains(string(out), variable) || !strings.Contains(string(out), "bad configuration") {
		t.Fatalf("output does not name %s:\n%s", variable, out)
	}
}

// Invocation is what a function answered through the Lambda Runtime API.
type Invocation struct {
	// Response is the handler's result; Error the error payload when it failed.
	Response, Error []byte
}

// Invoke runs main in a child process as the Lambda runtime runs it, with only the environment
// given and AWS_LAMBDA_RUNTIME_API pointed at a Runtime API served by the test, hands it event as one
// invocation (with a minute to its deadline), and returns what it answered. The child is killed when
// the test ends.
func Invoke(t *testing.T, main func(), event []byte, env ...string) Invocation {
	t.Helper()
	if os.Getenv(childVar) == "1" {
		main()
		return Invocation{}
	}
	const requestID = "8476a536-e9f4-11e8-9739-2dfe598c3fcd"
	answered := make(chan Invocation, 1)
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/2018-06-01/runtime/invocation/next":
			first := false
			once.Do(func() { first = true })
			if !first { // no second invocation: hold the poll until the test ends
				<-r.Context().Done()
				return
			}
			w.Header().Set("Lambda-Runtime-Aws-Request-Id", requestID)
			w.Header().Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(time.Minute).UnixMilli(), 10))
			w.Header().Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:test")
			w.Header().Set("Lambda-Runtime-Trace-Id", "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1")
			_, _ = w.Write(event)
		case r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/2018-06-01/runtime/"):
			body, _ := io.ReadAll(r.Body)
			var inv Invocation
			switch {
			case strings.HasSuffix(r.URL.Path, "/invocation/"+requestID+"/response"):
				inv.Response = body
			default: // the invocation's error, or an error at start
				inv.Error = append([]byte(r.URL.Path+": "), body...)
			}
			select {
			case answered <- inv:
			default:
			}
			w.WriteHeader(http.StatusAccepted)
		default:
			http.NotFound(w, r)
		}
	}))
	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$")
	cmd.Env = append([]string{childVar + "=1", "AWS_REGION=us-east-1", "PATH=" + os.Getenv("PATH"),
		"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_LAMBDA_RUNTIME_API=" + strings.TrimPrefix(srv.URL, "http://"), "AWS_LAMBDA_FUNCTION_NAME=test"}, env...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Kill()
		<-exited
		srv.CloseClientConnections()
		srv.Close()
	}()
	select {
	case inv := <-answered:
		return inv
	case err := <-exited:
		t.Fatalf("the function exited (%v) before it answered:\n%s", err, out.String())
	case <-time.After(2 * time.Minute):
		t.Fatalf("no answer in 2 min:\n%s", out.String())
	}
	return Invocation{}
}
