// Command local is ticklake's local twin: the whole pipeline on one machine, offline.
//
//	go run ./local run [--duration 30s] [--rate N] [--source sim|replay] [--replay FILE]
//	go run ./local serve [--port 4566]
//	go run ./local invoke FUNCTION --event FILE
//	go run ./local query "SQL"
//	go run ./local compact [--hour 2026-11-25T14]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

const usage = `usage: go run ./local COMMAND [flags]

commands:
  run      the whole pipeline for a while, then the analytics (make run)
  serve    keep the stack up: one AWS endpoint (S3, Glue, Athena) and Kafka
  invoke   run one function on one event against the local stack
  query    run one Athena query against the local catalog
  compact  run the compaction state machine once (--hour H, repeatable; none: every closed hour)

Run "go run ./local COMMAND -h" for a command's flags.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// userError is a mistake of the user's, reported in one line.
type userError struct{ msg string }

func (e userError) Error() string { return e.msg }

func userErrorf(format string, args ...any) error { return userError{fmt.Sprintf(format, args...)} }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch args[0] {
	case "run":
		err = cmdRun(ctx, args[1:], stdout)
	case "serve":
		err = cmdServe(ctx, args[1:], stdout)
	case "invoke":
		err = cmdInvoke(ctx, args[1:], stdout)
	case "query":
		err = cmdQuery(ctx, args[1:], stdout)
	case "compact":
		err = cmdCompact(ctx, args[1:], stdout)
	default:
		err = userErrorf("unknown command %q (run, serve, invoke, query, compact)", args[0])
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(stderr, "local: interrupted")
		return 130
	}
	fmt.Fprintln(stderr, "local: "+strings.ReplaceAll(err.Error(), "\n", " "))
	var ue userError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

// newFlags makes a command's flag set that reports errors instead of exiting.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // parse reports errors in one line; -h prints the flags
	return fs
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(os.Stderr)
			fmt.Fprintf(os.Stderr, "usage of %s:\n", fs.Name())
			fs.PrintDefaults()
			return err
		}
		return userErrorf("%s: %v (see %s -h)", fs.Name(), err, fs.Name())
	}
	return nil
}
