package glue

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/parquet-go/parquet-go"
)

// Crawler states, as Glue reports them.
const (
	CrawlerReady    = "READY"
	CrawlerRunning  = "RUNNING"
	CrawlerStopping = "STOPPING"
)

// LastCrawl describes a crawler's latest crawl.
type LastCrawl struct {
	Status        string `json:"Status"` // SUCCEEDED, CANCELLED, FAILED
	ErrorMessage  string `json:"ErrorMessage,omitempty"`
	StartTime     Epoch  `json:"StartTime"`
	LogGroup      string `json:"LogGroup,omitempty"`
	MessagePrefix string `json:"MessagePrefix,omitempty"`
}

// S3Target is a crawler's S3 target.
type S3Target struct {
	Path       string   `json:"Path"`
	Exclusions []string `json:"Exclusions,omitempty"`
}

// CrawlerMetrics are a crawler's counts, as GetCrawlerMetrics reports them.
type CrawlerMetrics struct {
	CrawlerName        string  `json:"CrawlerName"`
	LastRuntimeSeconds float64 `json:"LastRuntimeSeconds"`
	TablesCreated      int     `json:"TablesCreated"`
	TablesUpdated      int     `json:"TablesUpdated"`
	TablesDeleted      int     `json:"TablesDeleted"`
	StillEstimating    bool    `json:"StillEstimating"`
	// PartitionsCreated is not in Glue's metrics; it is kept for progress reports.
	PartitionsCreated int `json:"-"`
}

// Crawler is a crawler's definition and state.
type Crawler struct {
	Name         string `json:"Name"`
	Role         string `json:"Role,omitempty"`
	DatabaseName string `json:"DatabaseName"`
	Description  string `json:"Description,omitempty"`
	Targets      struct {
		S3Targets []S3Target `json:"S3Targets"`
	} `json:"Targets"`
	TablePrefix        string            `json:"TablePrefix,omitempty"`
	RecrawlPolicy      map[string]string `json:"RecrawlPolicy,omitempty"`
	SchemaChangePolicy map[string]string `json:"SchemaChangePolicy,omitempty"`
	Configuration      string            `json:"Configuration,omitempty"`
	State              string            `json:"State"`
	LastCrawl          *LastCrawl        `json:"LastCrawl,omitempty"`
	CrawlElapsedTime   int64             `json:"CrawlElapsedTime"`
	Version            int64             `json:"Version"`
	CreationTime       Epoch             `json:"CreationTime"`
	LastUpdated        Epoch             `json:"LastUpdated"`
	Metrics            CrawlerMetrics    `json:"-"`
	Crawls             int               `json:"crawls"`
}

// Crawlers runs the catalog's crawlers over files on disk.
type Crawlers struct {
	cat *Catalog
	// BucketDir maps an S3 bucket to the folder holding its objects.
	BucketDir func(bucket string) string
	// Duration, when set, keeps each crawl running at least that long, as on AWS, where a crawl
	// takes a minute or more: the crawler is RUNNING meanwhile, StartCrawler is refused with
	// CrawlerRunningException, and a crawler that never finished a crawl has no LastCrawl.
	Duration time.Duration
	// OnCrawl, when set, is called after each crawl with the crawler's state.
	OnCrawl func(Crawler)

	mu       sync.Mutex
	failing  map[string]string // crawler -> error its next crawl reports
	wg       sync.WaitGroup
	stop     chan struct{} // closed by Stop: crawls no longer wait out Duration
	stopOnce sync.Once
}

// NewCrawlers returns the crawlers of cat.
func NewCrawlers(cat *Catalog, bucketDir func(string) string) *Crawlers {
	return &Crawlers{cat: cat, BucketDir: bucketDir, failing: map[string]string{}, stop: make(chan struct{})}
}

// Stop cuts short the Duration of every crawl, under way or to come, so that Wait returns as soon
// as the crawls' work is done (the stack stops without waiting a minute or more).
func (cs *Crawlers) Stop() { cs.stopOnce.Do(func() { close(cs.stop) }) }

// Wait waits for every crawl under way.
func (cs *Crawlers) Wait() { cs.wg.Wait() }

// FailNext makes the next crawl of name fail with msg.
func (cs *Crawlers) FailNext(name, msg string) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.failing[name] = msg
}

// Create adds a crawler.
func (cs *Crawlers) Create(c Crawler) error {
	cat := cs.cat
	cat.mu.Lock()
	defer cat.mu.Unlock()
	if c.Name == "" || c.DatabaseName == "" || len(c.Targets.S3Targets) == 0 {
		return fmt.Errorf("%w: a crawler needs a name, a database and an S3 target", ErrInvalidInput)
	}
	if _, ok := cat.st.Crawlers[c.Name]; ok {
		return fmt.Errorf("%w: %s already exists", ErrAlreadyExists, c.Name)
	}
	now := now()
	c.State, c.Version, c.CreationTime, c.LastUpdated = CrawlerReady, 1, now, now
	cat.st.Crawlers[c.Name] = &c
	return cat.save()
}

// Get returns a crawler.
func (cs *Crawlers) Get(name string) (Crawler, error) {
	cat := cs.cat
	cat.mu.Lock()
	defer cat.mu.Unlock()
	c, ok := cat.st.Crawlers[name]
	if !ok {
		return Crawler{}, notFound("Crawler entry with name %s does not exist", name)
	}
	return *c, nil
}

// List returns the crawlers by name.
func (cs *Crawlers) List() []Crawler {
	cat := cs.cat
	cat.mu.Lock()
	defer cat.mu.Unlock()
	out := []Crawler{}
	for _, c := range cat.st.Crawlers {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Start starts a crawl. It returns ErrCrawlerRunning when one is under way.
func (cs *Crawlers) Start(name string) error {
	cat := cs.cat
	cat.mu.Lock()
	c, ok := cat.st.Crawlers[name]
	if !ok {
		cat.mu.Unlock()
		return notFound("Crawler entry with name %s does not exist", name)
	}
	if c.State != CrawlerReady {
		cat.mu.Unlock()
		return fmt.Errorf("%w: Crawler with name %s has already started", ErrCrawlerRunning, name)
	}
	c.State = CrawlerRunning
	snapshot := *c
	cat.mu.Unlock()
	duration := cs.Duration
	cs.wg.Add(1)
	go func() {
		defer cs.wg.Done()
		start := time.Now()
		metrics, err := cs.crawl(context.Background(), snapshot)
		if left := time.Until(start.Add(duration)); duration > 0 && left > 0 {
			timer := time.NewTimer(left)
			select {
			case <-timer.C:
			case <-cs.stop:
				timer.Stop()
			}
		}
		cs.mu.Lock()
		if msg, ok := cs.failing[name]; ok {
			delete(cs.failing, name)
			err = errors.New(msg)
		}
		cs.mu.Unlock()
		cat.mu.Lock()
		c := cat.st.Crawlers[name]
		c.State = CrawlerStopping
		cat.mu.Unlock()
		cat.mu.Lock()
		defer cat.mu.Unlock()
		last := &LastCrawl{Status: "SUCCEEDED", StartTime: Epoch(start.UTC()), LogGroup: "/aws-glue/crawlers", MessagePrefix: name}
		if err != nil {
			last.Status, last.ErrorMessage = "FAILED", err.Error()
		}
		metrics.CrawlerName = name
		metrics.LastRuntimeSeconds = time.Since(start).Seconds()
		c.State, c.LastCrawl, c.Metrics = CrawlerReady, last, metrics
		c.CrawlElapsedTime = time.Since(start).Milliseconds()
		c.Crawls++
		_ = cat.save()
		if cs.OnCrawl != nil {
			go cs.OnCrawl(*c)
		}
	}()
	return nil
}

// crawl infers the tables of each target and adds the partitions the catalog lacks.
func (cs *Crawlers) crawl(_ context.Context, c Crawler) (CrawlerMetrics, error) {
	var m CrawlerMetrics
	if _, err := cs.cat.Database(c.DatabaseName); err != nil {
		if err := cs.cat.EnsureDatabase(c.DatabaseName); err != nil {
			return m, err
		}
	}
	for _, target := range c.Targets.S3Targets {
		bucket, prefix, ok := splitS3(target.Path)
		if !ok {
			return m, fmt.Errorf("target %q is not an s3:// path", target.Path)
		}
		root := filepath.Join(cs.BucketDir(bucket), filepath.FromSlash(prefix))
		tableName := c.TablePrefix + path.Base(strings.TrimSuffix(prefix, "/"))
		if prefix == "" {
			tableName = c.TablePrefix + bucket
		}
		tableName = strings.ToLower(strings.NewReplacer("-", "_", ".", "_").Replace(tableName))
		files, err := parquetFiles(root, target.Exclusions)
		if err != nil {
			return m, err
		}
		if len(files) == 0 {
			continue
		}
		location := "s3://" + bucket + "/" + prefix
		if !strings.HasSuffix(location, "/") {
			location += "/"
		}
		if err := cs.crawlTable(c, tableName, location, root, files, &m); err != nil {
			return m, err
		}
	}
	return m, nil
}

// parquetFiles lists the Parquet files under root, relative to it, less the excluded ones.
func parquetFiles(root string, exclusions []string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() || !strings.HasSuffix(p, ".parquet") {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		for _, ex := range exclusions {
			if globMatch(ex, rel) {
				return nil
			}
		}
		out = append(out, rel)
		return nil
	})
	sort.Strings(out)
	return out, err
}

// globMatch matches Glue's exclusion globs: ** crosses folders, * does not.
func globMatch(pattern, name string) bool {
	if pattern == "" {
		return false
	}
	if pattern == name {
		return true
	}
	if strings.HasPrefix(pattern, "**") {
		rest := strings.TrimPrefix(pattern, "**")
		for i := 0; i <= len(name); i++ {
			if globMatch(rest, name[i:]) || rest == "" {
				return true
			}
		}
		return false
	}
	if pattern[0] == '*' {
		for i := 0; i <= len(name); i++ {
			if i > 0 && name[i-1] == '/' {
				break
			}
			if globMatch(pattern[1:], name[i:]) {
				return true
			}
		}
		return false
	}
	return len(name) > 0 && (pattern[0] == name[0] || pattern[0] == '?' && name[0] != '/') && globMatch(pattern[1:], name[1:])
}

func splitS3(uri string) (bucket, prefix string, ok bool) {
	rest, ok := strings.CutPrefix(uri, "s3://")
	if !ok {
		return "", "", false
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	return bucket, prefix, bucket != ""
}

// crawlTable creates or extends one table from its files.
func (cs *Crawlers) crawlTable(c Crawler, name, location, root string, files []string, m *CrawlerMetrics) error {
	table, err := cs.cat.Table(c.DatabaseName, name)
	exists := err == nil
	known := map[string]bool{}
	if exists {
		parts, _ := cs.cat.Partitions(c.DatabaseName, name)
		for _, p := range parts {
			known[strings.Join(p.Values, "/")] = true
		}
	}
	// Group the files by folder: each folder below the target is a partition.
	byFolder := map[string][]string{}
	var folders []string
	for _, f := range files {
		dir := path.Dir(f)
		if dir == "." {
			dir = ""
		}
		if _, ok := byFolder[dir]; !ok {
			folders = append(folders, dir)
		}
		byFolder[dir] = append(byFolder[dir], f)
	}
	var keys []string
	var newParts []Partition
	var columns []Column
	seenCol := map[string]bool{}
	for _, dir := range folders {
		names, values := partitionOf(dir)
		if keys == nil {
			keys = names
		}
		if len(names) != len(keys) {
			continue // another layout: the AWS crawler would make another table; ticklake's data has one
		}
		k := strings.Join(values, "/")
		if exists && known[k] {
			continue
		}
		// A new table's schema: the folders' first files', compatible schemas combined. An existing
		// table's partitions inherit its schema, so its files need not be read.
		if !exists {
			cols, err := parquetColumns(filepath.Join(root, filepath.FromSlash(byFolder[dir][0])))
			if err != nil {
				return err
			}
			for _, col := range cols {
				if !seenCol[col.Name] {
					seenCol[col.Name] = true
					columns = append(columns, col)
				}
			}
		}
		if len(values) > 0 {
			newParts = append(newParts, Partition{Values: values, StorageDescriptor: storage(location+dir+"/", nil),
				Parameters: map[string]string{"classification": "parquet"}})
		}
	}
	if exists {
		columns = table.StorageDescriptor.Columns
	}
	for i := range newParts { // each partition keeps its own column list: the table's, when it was added
		newParts[i].StorageDescriptor.Columns = append([]Column(nil), columns...)
	}
	if !exists {
		if len(columns) == 0 {
			return nil
		}
		var pk []Column
		for _, k := range keys {
			pk = append(pk, Column{Name: k, Type: "string"})
		}
		table = Table{Name: name, DatabaseName: c.DatabaseName, TableType: "EXTERNAL_TABLE",
			StorageDescriptor: storage(location, columns), PartitionKeys: pk, CreatedBy: "ticklake crawler " + c.Name,
			Parameters: map[string]string{"classification": "parquet", "compressionType": "none", "typeOfData": "file",
				"UPDATED_BY_CRAWLER": c.Name, "CrawlerSchemaSerializerVersion": "1.0", "CrawlerSchemaDeserializerVersion": "1.0"}}
		if err := cs.cat.PutTable(table); err != nil {
			return err
		}
		m.TablesCreated++
	}
	added, err := cs.cat.AddPartitions(c.DatabaseName, name, newParts)
	if err != nil {
		return err
	}
	if added > 0 && exists {
		m.TablesUpdated++
	}
	return nil
}

// ParquetStorage is the storage descriptor of a Parquet table or partition at location, as the AWS
// crawler writes it.
func ParquetStorage(location string, columns []Column) StorageDescriptor {
	return storage(location, columns)
}

func storage(location string, columns []Column) StorageDescriptor {
	return StorageDescriptor{Columns: columns, Location: location,
		InputFormat:  "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
		OutputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
		SerdeInfo: &SerDeInfo{SerializationLibrary: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
			Parameters: map[string]string{"serialization.format": "1"}},
		Parameters: map[string]string{"classification": "parquet"}}
}

// partitionOf reads a folder path as partition keys and values: key=value folders keep their keys,
// other folders are partition_0, partition_1, ... as Glue names them.
func partitionOf(dir string) (keys, values []string) {
	if dir == "" {
		return []string{}, nil
	}
	for i, seg := range strings.Split(dir, "/") {
		if k, v, ok := strings.Cut(seg, "="); ok && k != "" {
			keys, values = append(keys, k), append(values, v)
		} else {
			keys, values = append(keys, fmt.Sprintf("partition_%d", i)), append(values, seg)
		}
	}
	return keys, values
}

// parquetColumns reads a Parquet file's schema as Glue columns.
func parquetColumns(file string) ([]Column, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	pf, err := parquet.OpenFile(f, st.Size(), parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", filepath.Base(file), err)
	}
	var cols []Column
	for _, fld := range pf.Schema().Fields() {
		cols = append(cols, Column{Name: strings.ToLower(fld.Name()), Type: glueType(fld)})
	}
	return cols, nil
}

// glueType maps a Parquet column to the Glue type the AWS crawler gives it.
func glueType(n parquet.Node) string {
	if !n.Leaf() {
		return "struct<>"
	}
	t := n.Type()
	logical := ""
	if lt := t.LogicalType(); lt != nil {
		logical = lt.String()
	}
	is := func(prefix string) bool { return strings.HasPrefix(logical, prefix) }
	switch t.Kind() {
	case parquet.Boolean:
		return "boolean"
	case parquet.Int32:
		if is("DATE") {
			return "date"
		}
		return "int"
	case parquet.Int64:
		if is("TIMESTAMP") {
			return "timestamp"
		}
		return "bigint"
	case parquet.Int96:
		return "timestamp"
	case parquet.Float:
		return "float"
	case parquet.Double:
		return "double"
	case parquet.ByteArray, parquet.FixedLenByteArray:
		if is("STRING") || is("JSON") || is("ENUM") {
			return "string"
		}
		return "binary"
	}
	return "string"
}
