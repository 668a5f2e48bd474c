// Package datalock keeps one process per data directory of the local twin: two processes writing the
// same Kafka log, S3 folder and catalog corrupt each other's work. The lock is an flock(2) on a file in
// the directory, so the kernel releases it when its holder exits, however it exits: a killed process
// never blocks the next start.
package datalock

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// FileName is the lock file inside the data directory.
const FileName = "ticklake.lock"

// ErrInUse is returned by Acquire when another process holds the directory.
var ErrInUse = errors.New("data directory in use")

// Lock is a held data directory.
type Lock struct{ f *os.File }

// Acquire locks dir, which must exist. When another process holds it, the error wraps ErrInUse and
// names the holder (its pid and command) and the way out.
func Acquire(dir string) (*Lock, error) {
	path := filepath.Join(dir, FileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	held, err := tryLock(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if !held {
		holder := holderOf(path)
		f.Close()
		return nil, fmt.Errorf("%w: %s is used by %s; stop it, or give this one another folder with --data DIR",
			ErrInUse, dir, holder)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"+command()+"\n"), 0)
	}
	return &Lock{f: f}, nil
}

// holderOf names the process that holds the lock file at path. A holder writes its pid and command
// just after it takes the lock, so a process that lost a race to it waits a little for them.
func holderOf(path string) string {
	for range holderTries {
		if b, err := os.ReadFile(path); err == nil && bytes.Count(b, []byte("\n")) >= 2 {
			if pid, cmd, ok := strings.Cut(strings.TrimSpace(string(b)), "\n"); ok {
				return fmt.Sprintf("pid %s (%s)", pid, cmd)
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	return "another process"
}

// holderTries bounds the wait for a new holder's pid and command: half a second.
const holderTries = 50

// command is this process's command line, its program named without the folder.
func command() string {
	args := append([]string{filepath.Base(os.Args[0])}, os.Args[1:]...)
	return strings.Join(args, " ")
}

// Release unlocks the directory. The lock file stays: it is empty of meaning without its flock.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close() // closing the file drops the flock
	l.f = nil
	return err
}
