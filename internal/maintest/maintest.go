// Package maintest checks a function's main in a child process.
package maintest

import (
	"os"
	"os/exec"
	"strings"
	"testing"
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
