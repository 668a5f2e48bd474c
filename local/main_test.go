package main

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ticklake/ticklake/local/datalock"
)

func runCLI(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestUserErrors(t *testing.T) {
	corrupt := t.TempDir()
	if err := os.WriteFile(filepath.Join(corrupt, "glue.json"), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	taken := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	locked := t.TempDir()
	args := os.Args
	os.Args = []string{"/tmp/go-build1/b001/exe/local", "serve"} // another process's make serve
	lock, err := datalock.Acquire(locked)
	os.Args = args
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release()
	held := "is used by pid " + strconv.Itoa(os.Getpid()) + " (local serve)"
	file := filepath.Join(t.TempDir(), "file")
	_ = os.WriteFile(file, nil, 0o644)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "usage"},
		{[]string{"fly"}, 2, `unknown command "fly"`},
		{[]string{"run", "--rate", "0"}, 2, "--rate=0"},
		{[]string{"run", "--source", "dice"}, 2, "--source=dice"},
		{[]string{"serve", "--schedule", "2500ms", "--port", "0", "--data", t.TempDir()}, 2, "--schedule=2.5s"},
		{[]string{"serve", "--schedule", "500ms", "--port", "0", "--data", t.TempDir()}, 2, "--schedule=500ms"},
		{[]string{"serve", "--schedule", "-1m", "--port", "0", "--data", t.TempDir()}, 2, "--schedule=-1m0s"},
		{[]string{"run", "--bogus"}, 2, "flag provided but not defined"},
		{[]string{"run", "--source", "replay", "--replay", "nope.csv"}, 2, "--replay=nope.csv: no such file"},
		{[]string{"run", "--data", file}, 2, "is a file"},
		{[]string{"invoke", "lambda9", "--data", t.TempDir()}, 2, `unknown function "lambda9"`},
		{[]string{"invoke", "consumer", "--event", "missing.json", "--data", t.TempDir()}, 2, "missing.json"},
		{[]string{"query", "--data", t.TempDir()}, 2, "give the SQL"},
		{[]string{"query", "SELEC 1", "--data", t.TempDir()}, 2, "SYNTAX_ERROR"},
		{[]string{"query", "SELECT 1", "--data", corrupt}, 1, "corrupt"},
		{[]string{"serve", "--port", taken, "--data", t.TempDir()}, 2, "is taken"},
		{[]string{"run", "--data", locked}, 2, held},
		{[]string{"serve", "--port", "0", "--data", locked}, 2, "another folder with --data"},
		{[]string{"query", "SELECT 1", "--data", locked}, 2, held},
		{[]string{"compact", "--hour", "2026-11-25 14", "--data", t.TempDir()}, 2, "--hour=2026-11-25 14"},
		{[]string{"compact", "--lateness", "-1m", "--data", t.TempDir()}, 2, "--lateness=-1m"},
		{[]string{"serve", "--compaction-schedule", "-1h", "--data", t.TempDir()}, 2, "--compaction-schedule=-1h"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, _, stderr := runCLI(tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want exit %d and %q", code, stderr, tc.code, tc.want)
			}
			if strings.Contains(stderr, "goroutine") || strings.Contains(stderr, "panic") {
				t.Fatalf("stack trace: %s", stderr)
			}
			if tc.args != nil && strings.Count(strings.TrimSpace(stderr), "\n") > 0 && tc.code != 2 {
				t.Fatalf("more than one line: %q", stderr)
			}
		})
	}
}

func TestInvokeSampleEvent(t *testing.T) {
	dir := t.TempDir()
	code, out, stderr := runCLI("invoke", "consumer", "--event", "../events/consumer.json", "--data", dir)
	if code != 0 || !strings.Contains(out, `"records":8`) || !strings.Contains(out, `"rejected":2`) {
		t.Fatalf("exit %d: %s %s", code, out, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "s3", "buckets", "ticklake-data", "ticks", "dt=2026-11-25", "hour=15")); err != nil {
		t.Fatalf("no object in the local bucket: %v", err)
	}
	// invoke runs one function, as sam local invoke does: nothing downstream runs, so the table (made
	// at start from the declared fields, as a deploy makes it) has no partition yet.
	code, out, stderr = runCLI("query", "SELECT count(*) AS n FROM ticks", "--data", dir)
	if code != 0 || !slices.Contains(strings.Fields(out), "0") || !strings.Contains(out, "1 rows") {
		t.Fatalf("query before any crawl: exit %d: %s %s", code, out, stderr)
	}
}

func TestRunCommand(t *testing.T) {
	dir := t.TempDir()
	code, out, stderr := runCLI("run", "--duration", "2s", "--rate", "500", "--data", dir, "--seed", "1")
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, stderr, out)
	}
	// How many ticks the producer makes in its window depends on the machine's speed; what the run must
	// keep exactly is that every tick it produced is stored, none failed.
	var produced, failed, stored int
	if m := regexp.MustCompile(`producer: (\d+) ticks .* (\d+) failed`).FindStringSubmatch(out); m != nil {
		produced, _ = strconv.Atoi(m[1])
		failed, _ = strconv.Atoi(m[2])
	}
	if m := regexp.MustCompile(`stored: (\d+) records`).FindStringSubmatch(out); m != nil {
		stored, _ = strconv.Atoi(m[1])
	}
	if produced == 0 || failed != 0 || stored != produced {
		t.Errorf("produced %d ticks (%d failed), stored %d records; want every tick produced stored:\n%s", produced, failed, stored, out)
	}
	for _, want := range []string{"stack up", "ohlcv_1m:", "vwap_daily:", "top_movers:",
		"realized_volatility:", "data_quality:", "state machine analytics", "> StartCrawler", "> RunQueries", "SUCCEEDED", "report: ",
		"state machine compaction", "> CompactHour"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// Each partition holds one object after the compaction (two when the run spanned an hour's end).
	if m := regexp.MustCompile(`lake \((\d+) partitions, what Athena reads\): before (\d+) objects, .*; after (\d+) objects`).FindStringSubmatch(out); m == nil ||
		m[1] != m[3] || m[2] == m[3] {
		t.Errorf("lake before and after compaction: %v\n%s", m, out)
	}
	// compact, once more: the hour has nothing new, so it is skipped, and {} finds no closed hour.
	hour := regexp.MustCompile(`compacting (\d{4}-\d\d-\d\dT\d\d)`).FindStringSubmatch(out)
	if hour == nil {
		t.Fatalf("no hour compacted:\n%s", out)
	}
	code, out, stderr = runCLI("compact", "--hour", hour[1], "--data", dir)
	if code != 0 || !strings.Contains(out, hour[1]+"  skipped") {
		t.Errorf("compact --hour %s: exit %d: %s\n%s", hour[1], code, stderr, out)
	}
	code, out, stderr = runCLI("compact", "--data", dir)
	if code != 0 || !strings.Contains(out, "no hour needs compaction") || !strings.Contains(out, "cleanup: 0 superseded objects deleted") {
		t.Errorf("compact: exit %d: %s\n%s", code, stderr, out)
	}
}
