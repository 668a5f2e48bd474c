// Package compactor is the compactor function: it compacts each closed, cataloged hour of the lake
// into one sorted Parquet object (more only past a size cap) with duplicate (kafka_partition,
// kafka_offset) rows removed, writes it under COMPACTED_PREFIX (outside the live folders, the
// crawler's target and the S3 notification's prefix), and makes it visible atomically by pointing
// the hour's Glue partition at it with one UpdatePartition. Compactions of one hour are serialized by
// a lock object taken with an S3 conditional put and held for a lease. A manifest per hour lists what
// the last compaction took, so an hour needs compaction only when objects landed in its live folder
// that the manifest does not list. Superseded objects are deleted by a later run after GRACE.
//
// Actions (Request.Action):
//
//	plan     the hours to compact: Request.Hours, or every closed, cataloged hour that needs it
//	compact  compact Request.Hour
//	cleanup  delete superseded objects older than GRACE (compact does this for its own hour too)
package compactor

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ticklake/ticklake/shared/clock"
	"github.com/ticklake/ticklake/shared/envconf"
	"github.com/ticklake/ticklake/shared/layout"
	"github.com/ticklake/ticklake/shared/schema"
)

// Environment variables.
const (
	EnvBucket          = "DATA_BUCKET"
	EnvDataPrefix      = layout.EnvDataPrefix
	EnvDLQPrefix       = layout.EnvDLQPrefix
	EnvCompactedPrefix = "COMPACTED_PREFIX"
	EnvDatabase        = "GLUE_DATABASE"
	EnvTable           = "GLUE_TABLE"
	EnvLateness        = "LATENESS"
	EnvGrace           = "GRACE"
	EnvLease           = "LOCK_LEASE"
	EnvMaxObjectBytes  = "MAX_OBJECT_BYTES"
	EnvRowGroupBytes   = "ROW_GROUP_BYTES"
	EnvFields          = schema.EnvFields
)

// Defaults.
const (
	DefaultCompactedPrefix = "compacted/"
	DefaultLateness        = 15 * time.Minute
	DefaultGrace           = 2 * time.Hour
	// DefaultLease outlasts the longest Lambda invocation (15 minutes).
	DefaultLease          = 20 * time.Minute
	DefaultMaxObjectBytes = 512 << 20
	DefaultRowGroupBytes  = 128 << 20
)

// Actions.
const (
	ActionPlan    = "plan"
	ActionCompact = "compact"
	ActionCleanup = "cleanup"
)

// ErrorHourLocked is the error name Step Functions sees when compact finds the hour locked by another
// run (the name of HourLockedError's type, as Lambda's Go runtime names a function's error).
const ErrorHourLocked = "HourLockedError"

// HourLockedError is returned by compact when another run holds the hour's lock with a live lease:
// a run of another execution, or this execution's own earlier attempt still under way after a
// Lambda service error was retried. The hour is neither compacted nor known to be, so it is an
// error, not a skip: the state machine retries it until the lease has run out, then fails the hour.
type HourLockedError struct {
	Hour   string
	Reason string
}

// Error names the hour and who holds it.
func (e *HourLockedError) Error() string { return "hour " + e.Hour + " is " + e.Reason }

// HourFormat is the format of an hour in requests and responses, such as "2026-11-25T14" (UTC).
const HourFormat = "2006-01-02T15"

// Config is the function's configuration.
type Config struct {
	Bucket          string
	DataPrefix      string
	DLQPrefix       string
	CompactedPrefix string
	Database, Table string
	// Lateness is how long after its end an hour is closed.
	Lateness time.Duration
	// Grace is how long superseded objects are kept after a swap: longer than the longest query.
	Grace time.Duration
	// Lease is how long a lock holds before another run may take it over.
	Lease time.Duration
	// MaxObjectBytes caps one compacted object; RowGroupBytes sizes its row groups.
	MaxObjectBytes, RowGroupBytes int64
	// Fields are the declared extra fields still written (not retired).
	Fields schema.Schema
}

// LoadConfig reads the configuration from env, naming every missing or bad variable.
func LoadConfig(env *envconf.Reader) (Config, error) {
	return loadConfig(env)
}

// Request is the function's input.
type Request struct {
	Action string `json:"action"`
	// Hours, for plan: the hours to consider ("YYYY-MM-DDTHH"); empty means every closed hour.
	Hours []string `json:"hours,omitempty"`
	// Hour, for compact: the hour to compact.
	Hour string `json:"hour,omitempty"`
}

// Response is the function's output. Plan fills Hours; compact fills the rest; cleanup fills
// Deleted.
type Response struct {
	Hours      []string `json:"hours,omitempty"`
	Hour       string   `json:"hour,omitempty"`
	ObjectsIn  int      `json:"objects_in"`
	BytesIn    int64    `json:"bytes_in"`
	RowsIn     int64    `json:"rows_in"`
	RowsOut    int64    `json:"rows_out"`
	Duplicates int64    `json:"duplicates"`
	Location   string   `json:"location,omitempty"`
	ObjectsOut int      `json:"objects_out"`
	BytesOut   int64    `json:"bytes_out"`
	Deleted    int      `json:"deleted,omitempty"`
	Skipped    bool     `json:"skipped"`
	Reason     string   `json:"reason,omitempty"`
}

// GlueAPI is the part of the Glue client the compactor uses.
type GlueAPI interface {
	GetPartition(ctx context.Context, in *glue.GetPartitionInput, opts ...func(*glue.Options)) (*glue.GetPartitionOutput, error)
	UpdatePartition(ctx context.Context, in *glue.UpdatePartitionInput, opts ...func(*glue.Options)) (*glue.UpdatePartitionOutput, error)
}

var _ GlueAPI = (*glue.Client)(nil)

// S3API is the part of the S3 client the compactor uses.
type S3API interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	DeleteObject(ctx context.Context, in *s3.DeleteObjectInput, opts ...func(*s3.Options)) (*s3.DeleteObjectOutput, error)
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, opts ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
}

var _ S3API = (*s3.Client)(nil)

// Handler is the compactor function.
type Handler struct {
	cfg   Config
	s3    S3API
	glue  GlueAPI
	clock clock.Clock
	log   *slog.Logger
	hooks Hooks
}

// Hooks are called at the steps of a compaction; a non-nil error from one aborts the compaction
// there, as a crash would. Tests use them to inject failures.
type Hooks struct {
	AfterWrite, AfterSwap, BeforeDelete func(ctx context.Context, hour string) error
}

// Option configures a Handler.
type Option func(*Handler)

// WithClock sets the clock (the wall clock by default).
func WithClock(c clock.Clock) Option { return func(h *Handler) { h.clock = c } }

// WithHooks sets the hooks.
func WithHooks(hk Hooks) Option { return func(h *Handler) { h.hooks = hk } }

// New returns a Handler over an S3 client (such as *s3.Client) and a Glue client.
func New(cfg Config, s3c S3API, g GlueAPI, log *slog.Logger, opts ...Option) *Handler {
	h := &Handler{cfg: cfg, s3: s3c, glue: g, clock: clock.Wall{}, log: log}
	for _, o := range opts {
		o(h)
	}
	return h
}

// Handle runs one action. It fails on an unknown action, a malformed hour (naming it), and on any S3
// or Glue error; a compaction that finds nothing new returns Skipped with a Reason.
func (h *Handler) Handle(ctx context.Context, req Request) (Response, error) {
	return h.handle(ctx, req)
}
