// Package clock lets code that waits be tested without waiting: functions take a Clock, main passes
// Wall, and tests pass a Fake that moves only when slept on.
package clock

import (
	"context"
	"sync"
	"time"
)

// Clock tells the time and sleeps.
type Clock interface {
	Now() time.Time
	// Sleep waits for d, or until ctx is done, when it returns ctx's error.
	Sleep(ctx context.Context, d time.Duration) error
}

// Wall is the real clock.
type Wall struct{}

// Now returns the current time.
func (Wall) Now() time.Time { return time.Now() }

// Sleep waits for d or until ctx is done.
func (Wall) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Fake is a clock that stands still until slept on; then it jumps ahead at once.
type Fake struct {
	mu    sync.Mutex
	now   time.Time
	slept time.Duration
}

// NewFake returns a Fake clock at t.
func NewFake(t time.Time) *Fake { return &Fake{now: t} }

// Now returns the fake time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// Sleep moves the clock ahead by d without waiting.
func (f *Fake) Sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
	f.slept += d
	return ctx.Err()
}

// Slept returns the total time slept.
func (f *Fake) Slept() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.slept
}

// Scaled is the real clock with sleeps shortened by Factor (0.01: a 30 s wait takes 0.3 s), for
// running on one machine what waits on a service that is fast there.
type Scaled struct{ Factor float64 }

// Now returns the current time.
func (Scaled) Now() time.Time { return time.Now() }

// Sleep waits for d times the factor, or until ctx is done.
func (s Scaled) Sleep(ctx context.Context, d time.Duration) error {
	return Wall{}.Sleep(ctx, time.Duration(float64(d)*s.Factor))
}
