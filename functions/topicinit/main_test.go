package main

import (
	"testing"

	"github.com/ticklake/ticklake/internal/maintest"
)

func TestBadConfigurationFailsAtStart(t *testing.T) {
	maintest.FailsAtStart(t, main, "KAFKA_AUTH", "KAFKA_AUTH=plain")
}
