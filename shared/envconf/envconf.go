// Package envconf reads a function's configuration from environment variables, collecting every
// problem so that a bad deployment fails at start with one message that names each variable.
package envconf

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Reader reads variables through Lookup and records each problem. The zero Reader reads the process
// environment.
type Reader struct {
	Lookup func(name string) (string, bool)
	errs   []error
}

// New returns a Reader over lookup, or over the process environment when lookup is nil.
func New(lookup func(string) (string, bool)) *Reader {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	return &Reader{Lookup: lookup}
}

// FromMap returns a Reader over a fixed set of variables, for tests and in-process invocations.
func FromMap(m map[string]string) *Reader {
	return New(func(k string) (string, bool) { v, ok := m[k]; return v, ok })
}

func (r *Reader) lookup(name string) (string, bool) {
	if r.Lookup == nil {
		r.Lookup = os.LookupEnv
	}
	v, ok := r.Lookup(name)
	v = strings.TrimSpace(v)
	return v, ok && v != ""
}

// Fail records a problem with a variable's value.
func (r *Reader) Fail(name, value, why string) {
	r.errs = append(r.errs, fmt.Errorf("%s=%q: %s", name, value, why))
}

// String returns the variable, or def when it is unset or empty.
func (r *Reader) String(name, def string) string {
	if v, ok := r.lookup(name); ok {
		return v
	}
	return def
}

// Required returns the variable, recording a problem when it is unset or empty.
func (r *Reader) Required(name string) string {
	v, ok := r.lookup(name)
	if !ok {
		r.errs = append(r.errs, fmt.Errorf("%s is required but not set", name))
	}
	return v
}

// Int returns the variable as an integer in [min, max], or def when it is unset.
func (r *Reader) Int(name string, def, min, max int) int {
	v, ok := r.lookup(name)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min || n > max {
		r.Fail(name, v, fmt.Sprintf("want an integer from %d to %d", min, max))
		return def
	}
	return n
}

// Duration returns the variable as a Go duration ("24h", "90m") in [min, max], or def when it is
// unset.
func (r *Reader) Duration(name string, def, min, max time.Duration) time.Duration {
	v, ok := r.lookup(name)
	if !ok {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < min || d > max {
		r.Fail(name, v, fmt.Sprintf("want a duration from %s to %s, such as 24h or 90m", min, max))
		return def
	}
	return d
}

// Uint returns the variable as an unsigned integer, or def when it is unset.
func (r *Reader) Uint(name string, def uint64) uint64 {
	v, ok := r.lookup(name)
	if !ok {
		return def
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		r.Fail(name, v, "want an unsigned integer")
		return def
	}
	return n
}

// OneOf returns the variable, which must be one of choices, or def when it is unset.
func (r *Reader) OneOf(name, def string, choices ...string) string {
	v, ok := r.lookup(name)
	if !ok {
		return def
	}
	if !slices.Contains(choices, v) {
		r.Fail(name, v, "want one of "+strings.Join(choices, ", "))
		return def
	}
	return v
}

// List returns the variable split on commas, trimmed, without empty items; nil when unset.
func (r *Reader) List(name string) []string {
	v, ok := r.lookup(name)
	if !ok {
		return nil
	}
	var out []string
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// Err returns every problem recorded, joined, or nil.
func (r *Reader) Err() error {
	if len(r.errs) == 0 {
		return nil
	}
	return fmt.Errorf("configuration: %w", errors.Join(r.errs...))
}

// Unnamed returns those of names that err does not mention: a configuration test wants none.
func Unnamed(err error, names ...string) []string {
	var out []string
	for _, n := range names {
		if err == nil || !strings.Contains(err.Error(), n) {
			out = append(out, n)
		}
	}
	return out
}
