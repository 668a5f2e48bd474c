package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestBadConfigurationFailsAtStart runs main in a child process without its required variable: it
// must exit non-zero with a message that names the variable.
func TestBadConfigurationFailsAtStart(t *testing.T) {
	if os.Getenv("TICKLAKE_RUN_MAIN") == "1" {
		main()
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestBadConfigurationFailsAtStart$")
	cmd.Env = []string{"TICKLAKE_RUN_MAIN=1", "AWS_REGION=us-east-1", "PATH=" + os.Getenv("PATH")}
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("main started without CRAWLER_NAME:\n%s", out)
	}
	if !strings.Contains(string(out), "CRAWLER_NAME") || !strings.Contains(string(out), "bad configuration") {
		t.Fatalf("output does not name CRAWLER_NAME:\n%s", out)
	}
}
