package main

import (
	"testing"

	"github.com/ticklake/ticklake/internal/maintest"
)

func TestBadConfigurationFailsAtStart(t *testing.T) { maintest.FailsAtStart(t, main, "DATA_BUCKET") }

func TestBadPrefixFailsAtStart(t *testing.T) {
	maintest.FailsAtStart(t, main, "DATA_PREFIX", "DATA_BUCKET=b", "DATA_PREFIX=ticks")
}
