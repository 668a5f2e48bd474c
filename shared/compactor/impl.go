package compactor

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	gluetypes "github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/ticklake/ticklake/shared/envconf"
	"github.com/ticklake/ticklake/shared/layout"
	"github.com/ticklake/ticklake/shared/logging"
	"github.com/ticklake/ticklake/shared/schema"
	"github.com/ticklake/ticklake/shared/tickparquet"
	"github.com/ticklake/ticklake/shared/tickparquet/decode"
)

// Names of the objects kept beside each hour's runs, under COMPACTED_PREFIX dt=.../hour=.../.
const (
	ManifestName = "manifest.json"
	LockName     = "lock.json"
	runPrefix    = "run="
	partName     = "part-%05d" + layout.DataSuffix
)

// PendingFolder, under COMPACTED_PREFIX, holds one marker object per hour whose manifest lists
// superseded objects not deleted yet, named by the hour: pending/2026-11-25T14.
const PendingFolder = "pending/"

// ErrBadHour is wrapped by the error returned for a malformed hour.
var ErrBadHour = errors.New("bad hour, want YYYY-MM-DDTHH")

// ErrTooManyHours is wrapped by the error returned when a plan names more than MaxHours hours.
var ErrTooManyHours = errors.New("too many hours")

// MaxHours bounds the hours one plan returns, so that one execution's state (the Map's results,
// some 400 bytes an hour, more for a failed one) stays well under Step Functions' 256 KiB: a longer
// backlog is done oldest first, MaxHours an execution.
const MaxHours = 100

// errCrash marks an error returned by a hook: the compaction stops there as if the process died,
// leaving its lock held.
var errCrash = errors.New("stopped by a hook")

// readers bounds the objects fetched at once.
const readers = 8

func loadConfig(env *envconf.Reader) (Config, error) {
	c := Config{
		Bucket:          env.Required(EnvBucket),
		DataPrefix:      env.String(EnvDataPrefix, layout.DefaultDataPrefix),
		DLQPrefix:       env.String(EnvDLQPrefix, layout.DefaultDLQPrefix),
		CompactedPrefix: env.String(EnvCompactedPrefix, DefaultCompactedPrefix),
		Database:        env.Required(EnvDatabase),
		Table:           env.Required(EnvTable),
		Lateness:        env.Duration(EnvLateness, DefaultLateness, 0, 7*24*time.Hour),
		Grace:           env.Duration(EnvGrace, DefaultGrace, time.Minute, 30*24*time.Hour),
		Lease:           env.Duration(EnvLease, DefaultLease, time.Minute, 24*time.Hour),
		MaxObjectBytes:  int64(env.Int(EnvMaxObjectBytes, DefaultMaxObjectBytes, 1<<20, 5<<30)),
		RowGroupBytes:   int64(env.Int(EnvRowGroupBytes, DefaultRowGroupBytes, 1<<20, 5<<30)),
	}
	// Unset, TICK_FIELDS declares the default fields; set but blank, it declares none. Retired fields
	// are kept: their columns stay in the table, and older objects carry values in them.
	c.Fields = schema.FromEnv(env)
	for _, p := range []struct{ name, v string }{{EnvDataPrefix, c.DataPrefix}, {EnvDLQPrefix, c.DLQPrefix}, {EnvCompactedPrefix, c.CompactedPrefix}} {
		if err := layout.CheckPrefix(p.v); err != nil {
			env.Fail(p.name, p.v, err.Error())
		}
	}
	overlap := func(a, b string) bool { return strings.HasPrefix(a, b) || strings.HasPrefix(b, a) }
	if overlap(c.CompactedPrefix, c.DataPrefix) {
		env.Fail(EnvCompactedPrefix, c.CompactedPrefix, "must not overlap "+EnvDataPrefix+" "+c.DataPrefix+
			": the crawler and the S3 notification would see compacted objects")
	}
	if overlap(c.CompactedPrefix, c.DLQPrefix) {
		env.Fail(EnvCompactedPrefix, c.CompactedPrefix, "must not overlap "+EnvDLQPrefix+" "+c.DLQPrefix)
	}
	if c.RowGroupBytes > c.MaxObjectBytes {
		env.Fail(EnvRowGroupBytes, fmt.Sprint(c.RowGroupBytes), "must not exceed "+EnvMaxObjectBytes)
	}
	return c, env.Err()
}

// ParseHour reads an hour "YYYY-MM-DDTHH" (UTC) as its partition.
func ParseHour(s string) (layout.Partition, error) {
	t, err := time.Parse(HourFormat, s)
	if err != nil || t.Format(HourFormat) != s {
		return layout.Partition{}, fmt.Errorf("%w: %q", ErrBadHour, s)
	}
	return layout.PartitionOf(t.UnixMicro()), nil
}

func hourOf(p layout.Partition) string { return p.DT + "T" + p.Hour }

func (h *Handler) handle(ctx context.Context, req Request) (Response, error) {
	switch req.Action {
	case ActionPlan:
		hours, more, err := h.plan(ctx, req.Hours)
		reason := fmt.Sprintf("%d hours to compact", len(hours))
		if more > 0 {
			reason += fmt.Sprintf(", %d more with live objects left to the next runs (at most %d in one)", more, MaxHours)
		}
		return Response{Hours: hours, Reason: reason}, err
	case ActionCompact:
		p, err := ParseHour(req.Hour)
		if err != nil {
			return Response{Hour: req.Hour}, err
		}
		return h.compact(ctx, p)
	case ActionCleanup:
		return h.cleanup(ctx)
	}
	return Response{}, fmt.Errorf("unknown action %q, want %s, %s or %s", req.Action, ActionPlan, ActionCompact, ActionCleanup)
}

// Manifest records an hour's last compaction: what it wrote, what it took, and the objects that
// went out of sight and are deleted after GRACE.
type Manifest struct {
	Hour string `json:"hour"`
	Run  string `json:"run"`
	// Location is the partition's location the run set.
	Location string    `json:"location"`
	Time     time.Time `json:"time"`
	Rows     int64     `json:"rows"`
	Objects  []Object  `json:"objects"`
	// Taken are the live objects the run read.
	Taken []Object `json:"taken"`
	// Superseded are objects no query reads any more, with the time they went out of sight.
	Superseded []Object `json:"superseded,omitempty"`
}

// Object is an S3 object as the manifest lists it.
type Object struct {
	Key   string     `json:"key"`
	ETag  string     `json:"etag,omitempty"`
	Size  int64      `json:"size"`
	Since *time.Time `json:"since,omitempty"`
}

func (h *Handler) hourPrefix(p layout.Partition) string { return h.cfg.CompactedPrefix + p.Path() }
func (h *Handler) livePrefix(p layout.Partition) string { return h.cfg.DataPrefix + p.Path() }
func (h *Handler) url(key string) string                { return "s3://" + h.cfg.Bucket + "/" + key }

// list returns every object under prefix, subfolders included.
func (h *Handler) list(ctx context.Context, prefix string) ([]Object, error) {
	var out []Object
	in := &s3.ListObjectsV2Input{Bucket: aws.String(h.cfg.Bucket), Prefix: aws.String(prefix)}
	for {
		page, err := h.s3.ListObjectsV2(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("list s3://%s/%s: %w", h.cfg.Bucket, prefix, err)
		}
		for _, o := range page.Contents {
			out = append(out, Object{Key: aws.ToString(o.Key), ETag: aws.ToString(o.ETag), Size: aws.ToInt64(o.Size)})
		}
		if !aws.ToBool(page.IsTruncated) || page.NextContinuationToken == nil {
			return out, nil
		}
		in.ContinuationToken = page.NextContinuationToken
	}
}

// liveObjects are the data objects in an hour's live folder, subfolders included: a query of the
// live folder reads them, so compaction takes them too.
func (h *Handler) liveObjects(ctx context.Context, p layout.Partition) ([]Object, error) {
	objs, err := h.list(ctx, h.livePrefix(p))
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(objs, func(o Object) bool { return !strings.HasSuffix(o.Key, layout.DataSuffix) }), nil
}

func (h *Handler) get(ctx context.Context, key string) ([]byte, string, error) {
	out, err := h.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(h.cfg.Bucket), Key: aws.String(key)})
	if err != nil {
		return nil, "", fmt.Errorf("get %s: %w", h.url(key), err)
	}
	defer out.Body.Close()
	body, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, "", fmt.Errorf("read %s: %w", h.url(key), err)
	}
	return body, aws.ToString(out.ETag), nil
}

func isCode(err error, codes ...string) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && slices.Contains(codes, ae.ErrorCode())
}

func notFound(err error) bool { return isCode(err, "NoSuchKey", "NotFound") }

// readManifest returns the hour's manifest, or nil when it has none.
func (h *Handler) readManifest(ctx context.Context, p layout.Partition) (*Manifest, error) {
	body, _, err := h.get(ctx, h.hourPrefix(p)+ManifestName)
	if notFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("manifest of %s: %w", hourOf(p), err)
	}
	return &m, nil
}

// writeManifest writes the hour's manifest and keeps the hour's pending marker: present whenever the
// manifest lists superseded objects (put before the manifest, so a crash between leaves a marker
// too many, never one too few), absent once it lists none.
func (h *Handler) writeManifest(ctx context.Context, p layout.Partition, m *Manifest) error {
	body, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return fmt.Errorf("manifest of %s: %w", hourOf(p), err)
	}
	pending := len(m.Superseded) > 0
	if pending {
		if err := h.put(ctx, h.pendingKey(p), []byte(hourOf(p)), "text/plain"); err != nil {
			return err
		}
	}
	if err := h.put(ctx, h.hourPrefix(p)+ManifestName, body, "application/json"); err != nil {
		return err
	}
	if !pending {
		return h.unmark(ctx, p)
	}
	return nil
}

// pendingPrefix is where the pending markers lie: one per hour whose manifest lists superseded
// objects, so that cleanup reads those hours only, not every hour the lake ever compacted.
func (h *Handler) pendingPrefix() string { return h.cfg.CompactedPrefix + PendingFolder }

func (h *Handler) pendingKey(p layout.Partition) string { return h.pendingPrefix() + hourOf(p) }

// unmark deletes the hour's pending marker.
func (h *Handler) unmark(ctx context.Context, p layout.Partition) error {
	key := h.pendingKey(p)
	if _, err := h.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(h.cfg.Bucket), Key: aws.String(key)}); err != nil && !notFound(err) {
		return fmt.Errorf("delete %s: %w", h.url(key), err)
	}
	return nil
}

func (h *Handler) put(ctx context.Context, key string, body []byte, contentType string) error {
	if _, err := h.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(h.cfg.Bucket), Key: aws.String(key),
		Body: bytes.NewReader(body), ContentType: aws.String(contentType)}); err != nil {
		return fmt.Errorf("put %s: %w", h.url(key), err)
	}
	return nil
}

// partition returns the hour's catalog partition, or nil when the catalog does not have it.
func (h *Handler) partition(ctx context.Context, p layout.Partition) (*gluetypes.Partition, error) {
	out, err := h.glue.GetPartition(ctx, &glue.GetPartitionInput{DatabaseName: aws.String(h.cfg.Database),
		TableName: aws.String(h.cfg.Table), PartitionValues: p.Values()})
	var nf *gluetypes.EntityNotFoundException
	if errors.As(err, &nf) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get partition %s of %s.%s: %w", hourOf(p), h.cfg.Database, h.cfg.Table, err)
	}
	return out.Partition, nil
}

func location(part *gluetypes.Partition) string {
	if part.StorageDescriptor == nil {
		return ""
	}
	return aws.ToString(part.StorageDescriptor.Location)
}

// pending lists the live objects the manifest does not account for, given the partition's location.
func (h *Handler) pending(live []Object, m *Manifest, loc string) []Object {
	if m == nil || strings.TrimSuffix(m.Location, "/") != strings.TrimSuffix(loc, "/") {
		return live // never compacted, or the last run stopped between its swap and its manifest
	}
	taken := map[string]string{}
	for _, o := range m.Taken {
		taken[o.Key] = o.ETag
	}
	var out []Object
	for _, o := range live {
		if etag, ok := taken[o.Key]; !ok || etag != o.ETag {
			out = append(out, o)
		}
	}
	return out
}

// plan returns the hours to compact, sorted: at most MaxHours, the oldest, and how many hours with
// live objects it left unexamined for the next runs (some may need no compaction).
func (h *Handler) plan(ctx context.Context, hours []string) ([]string, int, error) {
	log := logging.For(ctx, h.log)
	var cands []layout.Partition
	explicit := len(hours) > 0
	if explicit {
		var bad []string
		for _, s := range hours {
			p, err := ParseHour(s)
			if err != nil {
				bad = append(bad, fmt.Sprintf("%q", s))
				continue
			}
			cands = append(cands, p)
		}
		if len(bad) > 0 {
			return nil, 0, fmt.Errorf("%w: %s", ErrBadHour, strings.Join(bad, ", "))
		}
	} else {
		// Live folders empty out as superseded objects are deleted, so one listing finds the hours
		// that received data since their last compaction.
		objs, err := h.list(ctx, h.cfg.DataPrefix)
		if err != nil {
			return nil, 0, err
		}
		now := h.clock.Now()
		for _, o := range objs {
			p, ok := h.liveHour(o.Key)
			if !ok {
				continue
			}
			start, _ := time.Parse(HourFormat, hourOf(p))
			if now.Before(start.Add(time.Hour + h.cfg.Lateness)) {
				continue // not closed yet
			}
			cands = append(cands, p)
		}
	}
	slices.SortFunc(cands, func(a, b layout.Partition) int { return strings.Compare(hourOf(a), hourOf(b)) })
	cands = slices.Compact(cands)
	if explicit && len(cands) > MaxHours {
		return nil, 0, fmt.Errorf("%w: %d hours named, at most %d in one execution (the state's size limit): start several",
			ErrTooManyHours, len(cands), MaxHours)
	}
	out := []string{}
	for i, p := range cands {
		if len(out) == MaxHours {
			// The rest wait for the next runs unread: examining a backlog of thousands of hours
			// would cost the plan thousands of reads, and its timeout.
			more := len(cands) - i
			log.Info("backlog: the oldest hours first", "planned", len(out), "left", more)
			return out, more, nil
		}
		part, err := h.partition(ctx, p)
		if err != nil {
			return nil, 0, err
		}
		if part == nil {
			log.Info("hour not cataloged: left to the crawler", "hour", hourOf(p))
			continue
		}
		if explicit {
			out = append(out, hourOf(p))
			continue
		}
		live, err := h.liveObjects(ctx, p)
		if err != nil {
			return nil, 0, err
		}
		m, err := h.readManifest(ctx, p)
		if err != nil {
			return nil, 0, err
		}
		if len(h.pending(live, m, location(part))) > 0 {
			out = append(out, hourOf(p))
		}
	}
	return out, 0, nil
}

// liveHour returns the hour of a data object in a live folder or in any subfolder of one.
func (h *Handler) liveHour(key string) (layout.Partition, bool) {
	rest, ok := strings.CutPrefix(key, h.cfg.DataPrefix)
	if !ok || !strings.HasSuffix(rest, layout.DataSuffix) {
		return layout.Partition{}, false
	}
	dt, rest, _ := strings.Cut(rest, "/")
	hour, _, ok := strings.Cut(rest, "/")
	if !ok {
		return layout.Partition{}, false
	}
	return layout.ParseDataKey("", dt+"/"+hour+"/x"+layout.DataSuffix)
}

// lock is the body of an hour's lock object.
type lock struct {
	Run     string    `json:"run"`
	Expires time.Time `json:"expires"`
}

// errLocked is returned by acquire when another run holds a live lease.
var errLocked = errors.New("locked")

// acquire takes the hour's lock for run: a conditional put that fails when the lock exists, and, on
// a lock whose lease ran out, a put conditional on the stale lock's ETag.
func (h *Handler) acquire(ctx context.Context, p layout.Partition, run string) error {
	key := h.hourPrefix(p) + LockName
	body, _ := json.Marshal(lock{Run: run, Expires: h.clock.Now().Add(h.cfg.Lease).UTC()})
	put := func(in *s3.PutObjectInput) error {
		in.Bucket, in.Key, in.Body, in.ContentType = aws.String(h.cfg.Bucket), aws.String(key), bytes.NewReader(body), aws.String("application/json")
		_, err := h.s3.PutObject(ctx, in)
		return err
	}
	err := put(&s3.PutObjectInput{IfNoneMatch: aws.String("*")})
	if err == nil {
		return nil
	}
	if !isCode(err, "PreconditionFailed", "ConditionalRequestConflict") {
		return fmt.Errorf("lock %s: %w", h.url(key), err)
	}
	cur, etag, err := h.get(ctx, key)
	if notFound(err) {
		return fmt.Errorf("%w: lock %s released meanwhile, try again", errLocked, h.url(key))
	}
	if err != nil {
		return fmt.Errorf("lock %s: %w", h.url(key), err)
	}
	var held lock
	if err := json.Unmarshal(cur, &held); err == nil && h.clock.Now().Before(held.Expires) {
		return fmt.Errorf("%w by run %s until %s", errLocked, held.Run, held.Expires.Format(time.RFC3339))
	}
	err = put(&s3.PutObjectInput{IfMatch: aws.String(etag)})
	if isCode(err, "PreconditionFailed", "ConditionalRequestConflict", "NoSuchKey") {
		return fmt.Errorf("%w: another run took over the expired lock %s", errLocked, h.url(key))
	}
	if err != nil {
		return fmt.Errorf("take over lock %s: %w", h.url(key), err)
	}
	h.log.Warn("took over an expired lock", "hour", hourOf(p), "run", held.Run, "expired", held.Expires)
	return nil
}

// holds checks that run still holds the hour's lock.
func (h *Handler) holds(ctx context.Context, p layout.Partition, run string) error {
	key := h.hourPrefix(p) + LockName
	cur, _, err := h.get(ctx, key)
	if err != nil {
		return fmt.Errorf("check lock: %w", err)
	}
	var held lock
	if err := json.Unmarshal(cur, &held); err != nil || held.Run != run {
		return fmt.Errorf("%w: lock %s lost to run %s", errLocked, h.url(key), held.Run)
	}
	return nil
}

func (h *Handler) release(ctx context.Context, p layout.Partition, run string) {
	if err := h.holds(ctx, p, run); err != nil {
		return
	}
	key := h.hourPrefix(p) + LockName
	if _, err := h.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(h.cfg.Bucket), Key: aws.String(key)}); err != nil {
		h.log.Warn("release lock", "key", key, "err", err)
	}
}

func (h *Handler) newRun() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return h.clock.Now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

func (h *Handler) hook(ctx context.Context, f func(context.Context, string) error, p layout.Partition) error {
	if f == nil {
		return nil
	}
	if err := f(ctx, hourOf(p)); err != nil {
		return fmt.Errorf("%w: %w", errCrash, err)
	}
	return nil
}

// compact compacts one hour under its lock.
func (h *Handler) compact(ctx context.Context, p layout.Partition) (res Response, err error) {
	log := logging.For(ctx, h.log)
	res.Hour = hourOf(p)
	part, err := h.partition(ctx, p)
	if err != nil || part == nil {
		res.Skipped, res.Reason = true, "hour not cataloged"
		return res, err
	}
	run := h.newRun()
	if err := h.acquire(ctx, p, run); err != nil {
		if errors.Is(err, errLocked) {
			log.Info("hour locked", "hour", res.Hour, "reason", err.Error())
			return res, &HourLockedError{Hour: res.Hour, Reason: err.Error()}
		}
		return res, err
	}
	defer func() {
		if !errors.Is(err, errCrash) {
			h.release(context.WithoutCancel(ctx), p, run)
		}
	}()
	// Read the partition again under the lock: a run that finished meanwhile moved it.
	if part, err = h.partition(ctx, p); err != nil {
		return res, err
	}
	if part == nil {
		res.Skipped, res.Reason = true, "hour no longer cataloged"
		return res, nil
	}
	res, err = h.compactLocked(ctx, p, part, run)
	log.Info("compaction", "hour", res.Hour, "run", run, "objects_in", res.ObjectsIn, "rows_in", res.RowsIn,
		"rows_out", res.RowsOut, "duplicates", res.Duplicates, "objects_out", res.ObjectsOut, "bytes_in", res.BytesIn,
		"bytes_out", res.BytesOut, "location", res.Location, "skipped", res.Skipped, "reason", res.Reason, "err", err)
	return res, err
}

func (h *Handler) compactLocked(ctx context.Context, p layout.Partition, part *gluetypes.Partition, run string) (Response, error) {
	res := Response{Hour: hourOf(p)}
	loc := location(part)
	live, err := h.liveObjects(ctx, p)
	if err != nil {
		return res, err
	}
	m, err := h.readManifest(ctx, p)
	if err != nil {
		return res, err
	}
	newLive := h.pending(live, m, loc)
	if len(newLive) == 0 {
		res.Skipped, res.Reason, res.Location = true, "nothing new since the last compaction", loc
		if m != nil {
			// Say which: a retried invocation whose first attempt compacted the hour finds it so.
			res.Reason += fmt.Sprintf(" (run %s at %s)", m.Run, m.Time.Format(time.RFC3339))
		}
		return res, h.collect(ctx, p, m, loc)
	}
	// The inputs: what the partition's location holds now (the last run's objects, or the live
	// folder), and the live objects no run took.
	current, err := h.objectsAt(ctx, loc)
	if err != nil {
		return res, err
	}
	inputs := current
	seen := map[string]bool{}
	for _, o := range current {
		seen[o.Key] = true
	}
	for _, o := range newLive {
		if !seen[o.Key] {
			inputs = append(inputs, o)
		}
	}
	table, read, err := h.readAll(ctx, inputs)
	if err != nil {
		return res, err
	}
	res.ObjectsIn = len(read)
	for _, o := range read {
		res.BytesIn += o.Size
	}
	res.RowsIn = int64(table.Len())
	order := DedupeSort(table)
	res.RowsOut = int64(len(order))
	res.Duplicates = res.RowsIn - res.RowsOut

	runPath := h.hourPrefix(p) + runPrefix + run + "/"
	var written []Object
	enc := tickparquet.NewSchemaEncoder(h.cfg.Fields)
	if err := enc.SetCompression(tickparquet.CompressionSmall); err != nil {
		return res, err
	}
	kv := [][2]string{{"ticklake.hour", res.Hour}, {"ticklake.run", run}}
	if len(order) > 0 {
		err = enc.EncodeTable(table, order, tickparquet.Layout{RowGroupBytes: h.cfg.RowGroupBytes, MaxObjectBytes: h.cfg.MaxObjectBytes, KV: kv},
			func(body []byte, _ int) error {
				key := runPath + fmt.Sprintf(partName, len(written))
				out, err := h.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(h.cfg.Bucket), Key: aws.String(key),
					Body: bytes.NewReader(body), ContentType: aws.String("application/vnd.apache.parquet")})
				if err != nil {
					return fmt.Errorf("put %s: %w", h.url(key), err)
				}
				written = append(written, Object{Key: key, ETag: aws.ToString(out.ETag), Size: int64(len(body))})
				return nil
			})
		if err != nil {
			return res, err
		}
	}
	res.ObjectsOut = len(written)
	for _, o := range written {
		res.BytesOut += o.Size
	}
	if err := h.hook(ctx, h.hooks.AfterWrite, p); err != nil {
		return res, err
	}

	// The swap: one UpdatePartition, the partition's definition kept but for its location.
	if err := h.holds(ctx, p, run); err != nil {
		return res, err
	}
	newLoc := h.url(runPath)
	if err := h.swap(ctx, p, part, newLoc); err != nil {
		return res, err
	}
	res.Location = newLoc
	now := h.clock.Now().UTC()
	if err := h.hook(ctx, h.hooks.AfterSwap, p); err != nil {
		return res, err
	}

	// The manifest: what this run took, and what went out of sight with the swap.
	nm := &Manifest{Hour: res.Hour, Run: run, Location: newLoc, Time: now, Rows: res.RowsOut, Objects: written}
	for _, o := range read {
		if strings.HasPrefix(o.Key, h.cfg.DataPrefix) {
			nm.Taken = append(nm.Taken, Object{Key: o.Key, ETag: o.ETag, Size: o.Size})
		}
	}
	if m != nil && strings.TrimSuffix(m.Location, "/") == strings.TrimSuffix(loc, "/") {
		// Taken objects of earlier runs still in the live folder stay taken.
		have := map[string]bool{}
		for _, o := range nm.Taken {
			have[o.Key] = true
		}
		liveNow := map[string]string{}
		for _, o := range live {
			liveNow[o.Key] = o.ETag
		}
		for _, o := range m.Taken {
			if etag, ok := liveNow[o.Key]; ok && etag == o.ETag && !have[o.Key] {
				nm.Taken = append(nm.Taken, o)
			}
		}
	}
	if m != nil {
		nm.Superseded = m.Superseded
	}
	old := map[string]int{}
	for i, o := range nm.Superseded {
		old[o.Key] = i
	}
	for _, o := range read {
		o.Since = &now
		i, ok := old[o.Key]
		switch {
		case !ok:
			old[o.Key] = len(nm.Superseded)
			nm.Superseded = append(nm.Superseded, o)
		default:
			// Read again (rewritten since an earlier run took it, or visible again at the location
			// this run moved from): what goes is what this run read, GRACE after this swap.
			nm.Superseded[i] = o
		}
	}
	if err := h.writeManifest(ctx, p, nm); err != nil {
		return res, err
	}
	if err := h.hook(ctx, h.hooks.BeforeDelete, p); err != nil {
		return res, err
	}
	return res, h.collect(ctx, p, nm, newLoc)
}

// objectsAt lists the data objects a query reads at location: every object under it, subfolders
// included.
func (h *Handler) objectsAt(ctx context.Context, loc string) ([]Object, error) {
	rest, ok := strings.CutPrefix(loc, "s3://"+h.cfg.Bucket+"/")
	if !ok {
		return nil, fmt.Errorf("partition location %q is not in bucket %s", loc, h.cfg.Bucket)
	}
	if !strings.HasSuffix(rest, "/") {
		rest += "/"
	}
	objs, err := h.list(ctx, rest)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(objs, func(o Object) bool { return !strings.HasSuffix(o.Key, layout.DataSuffix) }), nil
}

// readAll fetches objects, a few at a time, and decodes them in order into one table on the calling
// goroutine as they arrive; objects deleted meanwhile are left out.
func (h *Handler) readAll(ctx context.Context, objs []Object) (*tickparquet.Table, []Object, error) {
	type fetched struct {
		body []byte
		etag string
		err  error
	}
	results := make([]chan fetched, len(objs))
	for i := range results {
		results[i] = make(chan fetched, 1)
	}
	next := make(chan int)
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(ctx)
	defer wg.Wait()
	defer cancel()
	for range min(readers, len(objs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				body, etag, err := h.get(ctx, objs[i].Key)
				results[i] <- fetched{body, etag, err}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(next)
		for i := range objs {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	dec := decode.New(h.cfg.Fields)
	t := tickparquet.NewTable(h.cfg.Fields)
	var read []Object
	for i, o := range objs {
		var r fetched
		select {
		case r = <-results[i]:
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		}
		if notFound(r.err) {
			continue
		}
		if r.err != nil {
			return nil, nil, r.err
		}
		if err := dec.DecodeTable(t, r.body); err != nil {
			return nil, nil, fmt.Errorf("decode %s: %w", h.url(o.Key), err)
		}
		read = append(read, Object{Key: o.Key, ETag: r.etag, Size: int64(len(r.body))})
	}
	return t, read, nil
}

// swap points the partition at loc with one UpdatePartition, keeping the rest of its definition.
func (h *Handler) swap(ctx context.Context, p layout.Partition, part *gluetypes.Partition, loc string) error {
	sd := gluetypes.StorageDescriptor{}
	if part.StorageDescriptor != nil {
		sd = *part.StorageDescriptor
	}
	sd.Location = aws.String(loc)
	in := &glue.UpdatePartitionInput{DatabaseName: aws.String(h.cfg.Database), TableName: aws.String(h.cfg.Table),
		PartitionValueList: p.Values(), PartitionInput: &gluetypes.PartitionInput{Values: part.Values,
			StorageDescriptor: &sd, Parameters: part.Parameters, LastAccessTime: part.LastAccessTime,
			LastAnalyzedTime: part.LastAnalyzedTime}}
	if _, err := h.glue.UpdatePartition(ctx, in); err != nil {
		return fmt.Errorf("update partition %s of %s.%s to %s: %w", hourOf(p), h.cfg.Database, h.cfg.Table, loc, err)
	}
	return nil
}

// collect deletes the hour's superseded objects older than GRACE, marks as superseded any run
// folder that is neither current nor listed (left by a run that stopped before its manifest), and
// rewrites the manifest when it changed. The caller holds the lock.
func (h *Handler) collect(ctx context.Context, p layout.Partition, m *Manifest, loc string) error {
	if m == nil {
		m = &Manifest{Hour: hourOf(p)}
	}
	now := h.clock.Now().UTC()
	changed := false
	listed := map[string]bool{}
	for _, o := range m.Superseded {
		listed[o.Key] = true
	}
	runs, err := h.list(ctx, h.hourPrefix(p)+runPrefix)
	if err != nil {
		return err
	}
	cur := strings.TrimPrefix(loc, "s3://"+h.cfg.Bucket+"/")
	for _, o := range runs {
		if (cur == "" || !strings.HasPrefix(o.Key, cur)) && !listed[o.Key] {
			o.Since = &now
			m.Superseded = append(m.Superseded, o)
			changed = true
		}
	}
	// A live object is deleted only as it was taken: rewritten since (same key, another ETag), it
	// holds what no run read, and the next compaction takes it.
	var liveNow map[string]string
	var keep []Object
	for _, o := range m.Superseded {
		if o.Since != nil && now.Sub(*o.Since) < h.cfg.Grace || strings.HasPrefix(o.Key, cur) && cur != "" {
			keep = append(keep, o)
			continue
		}
		if o.ETag != "" && strings.HasPrefix(o.Key, h.cfg.DataPrefix) {
			if liveNow == nil {
				live, err := h.list(ctx, h.livePrefix(p))
				if err != nil {
					return err
				}
				liveNow = map[string]string{}
				for _, l := range live {
					liveNow[l.Key] = l.ETag
				}
			}
			if etag, ok := liveNow[o.Key]; ok && etag != o.ETag {
				keep = append(keep, o)
				continue
			}
		}
		if _, err := h.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(h.cfg.Bucket), Key: aws.String(o.Key)}); err != nil && !notFound(err) {
			return fmt.Errorf("delete superseded %s: %w", h.url(o.Key), err)
		}
		changed = true
	}
	if !changed {
		return nil
	}
	m.Superseded = keep
	return h.writeManifest(ctx, p, m)
}

// cleanup deletes superseded objects older than GRACE in every hour with deletions pending: the
// hours with a pending marker, so that its cost follows the hours compacted within about GRACE, not
// the lake's age.
func (h *Handler) cleanup(ctx context.Context) (Response, error) {
	var res Response
	if err := h.markEarlierHours(ctx); err != nil {
		return res, err
	}
	markers, err := h.list(ctx, h.pendingPrefix())
	if err != nil {
		return res, err
	}
	// An hour that fails is reported, after the others: one hour whose objects cannot be deleted
	// must not keep every later hour's from being deleted.
	var errs []error
	for _, o := range markers {
		name := strings.TrimPrefix(o.Key, h.pendingPrefix())
		if name == pendingScanned {
			continue
		}
		p, err := ParseHour(name)
		if err != nil {
			h.log.Warn("not a pending marker", "key", o.Key)
			continue
		}
		deleted, err := h.cleanupHour(ctx, p)
		res.Deleted += deleted
		if err != nil {
			errs = append(errs, fmt.Errorf("cleanup of %s: %w", hourOf(p), err))
		}
	}
	res.Reason = fmt.Sprintf("%d superseded objects deleted", res.Deleted)
	if len(errs) > 0 {
		res.Reason += fmt.Sprintf(", %d hours failed", len(errs))
	}
	return res, errors.Join(errs...)
}

// pendingScanned, in the pending folder, says that every manifest written before the markers were
// has been read once and its hour marked when it listed superseded objects.
const pendingScanned = "scanned"

// markEarlierHours marks, once, the hours whose manifests list superseded objects but which have no
// marker, having been compacted before markers were written: without it, cleanup would never read
// them and their superseded objects would stay forever. A marker too many costs one read.
func (h *Handler) markEarlierHours(ctx context.Context) error {
	key := h.pendingPrefix() + pendingScanned
	if _, _, err := h.get(ctx, key); err == nil || !notFound(err) {
		return err
	}
	objs, err := h.list(ctx, h.cfg.CompactedPrefix)
	if err != nil {
		return err
	}
	for _, o := range objs {
		rest, ok := strings.CutSuffix(strings.TrimPrefix(o.Key, h.cfg.CompactedPrefix), ManifestName)
		if !ok {
			continue
		}
		p, ok := layout.ParseDataKey("", rest+"x"+layout.DataSuffix)
		if !ok {
			continue
		}
		m, err := h.readManifest(ctx, p)
		if err != nil {
			return err
		}
		if m != nil && len(m.Superseded) > 0 {
			if err := h.put(ctx, h.pendingKey(p), []byte(hourOf(p)), "text/plain"); err != nil {
				return err
			}
		}
	}
	return h.put(ctx, key, []byte("every earlier manifest read\n"), "text/plain")
}

// cleanupHour deletes the hour's superseded objects past GRACE under its lock; an hour another run
// holds is left to the next cleanup.
func (h *Handler) cleanupHour(ctx context.Context, p layout.Partition) (int, error) {
	m, err := h.readManifest(ctx, p)
	if err != nil {
		return 0, err
	}
	if m != nil && len(m.Superseded) > 0 && !h.due(m) {
		return 0, nil
	}
	run := h.newRun()
	if err := h.acquire(ctx, p, run); err != nil {
		if errors.Is(err, errLocked) {
			return 0, nil
		}
		return 0, err
	}
	deleted, err := h.cleanupLocked(ctx, p)
	h.release(ctx, p, run)
	return deleted, err
}

// due reports whether any of the manifest's superseded objects is past GRACE.
func (h *Handler) due(m *Manifest) bool {
	for _, s := range m.Superseded {
		if s.Since == nil || h.clock.Now().Sub(*s.Since) >= h.cfg.Grace {
			return true
		}
	}
	return false
}

// cleanupLocked collects the hour's superseded objects under its lock, and drops its pending marker
// when nothing is left pending.
func (h *Handler) cleanupLocked(ctx context.Context, p layout.Partition) (int, error) {
	// Read again under the lock: a compaction that finished meanwhile wrote another manifest.
	m, err := h.readManifest(ctx, p)
	if err != nil {
		return 0, err
	}
	if m == nil || len(m.Superseded) == 0 {
		return 0, h.unmark(ctx, p)
	}
	before := len(m.Superseded)
	part, err := h.partition(ctx, p)
	if err != nil || part == nil {
		return 0, err
	}
	if err := h.collect(ctx, p, m, location(part)); err != nil {
		return 0, err
	}
	return before - len(m.Superseded), nil
}
