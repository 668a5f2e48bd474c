// Package glue is the local twin's Glue: a Data Catalog of databases, tables and partitions kept in a
// JSON file, crawlers that infer tables from Parquet files and their Hive-style folders as the AWS
// crawler does, and the Glue JSON 1.1 API over both, so that the AWS SDKs and CLI work against it.
package glue

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Epoch is a time that the Glue JSON protocol writes as seconds since the epoch.
type Epoch time.Time

func now() Epoch { return Epoch(time.Now().UTC()) }

// MarshalJSON writes seconds since the epoch, with milliseconds.
func (e Epoch) MarshalJSON() ([]byte, error) {
	t := time.Time(e)
	if t.IsZero() {
		return []byte("null"), nil
	}
	return []byte(strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', 3, 64)), nil
}

// UnmarshalJSON reads seconds since the epoch.
func (e *Epoch) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("time %s: %w", b, err)
	}
	*e = Epoch(time.UnixMilli(int64(f * 1000)).UTC())
	return nil
}

// Column is a table or partition-key column.
type Column struct {
	Name    string `json:"Name"`
	Type    string `json:"Type"`
	Comment string `json:"Comment,omitempty"`
}

// SerDeInfo names a table's serializer.
type SerDeInfo struct {
	SerializationLibrary string            `json:"SerializationLibrary"`
	Parameters           map[string]string `json:"Parameters,omitempty"`
}

// StorageDescriptor says where and how a table or partition is stored.
type StorageDescriptor struct {
	Columns      []Column          `json:"Columns,omitempty"`
	Location     string            `json:"Location"`
	InputFormat  string            `json:"InputFormat,omitempty"`
	OutputFormat string            `json:"OutputFormat,omitempty"`
	Compressed   bool              `json:"Compressed"`
	SerdeInfo    *SerDeInfo        `json:"SerdeInfo,omitempty"`
	Parameters   map[string]string `json:"Parameters,omitempty"`
}

// Table is a catalog table.
type Table struct {
	Name              string            `json:"Name"`
	DatabaseName      string            `json:"DatabaseName"`
	TableType         string            `json:"TableType,omitempty"`
	ViewOriginalText  string            `json:"ViewOriginalText,omitempty"` // a view's definition, as Athena stores it
	ViewExpandedText  string            `json:"ViewExpandedText,omitempty"`
	StorageDescriptor StorageDescriptor `json:"StorageDescriptor"`
	PartitionKeys     []Column          `json:"PartitionKeys,omitempty"`
	Parameters        map[string]string `json:"Parameters,omitempty"`
	CreateTime        Epoch             `json:"CreateTime"`
	UpdateTime        Epoch             `json:"UpdateTime"`
	CreatedBy         string            `json:"CreatedBy,omitempty"`
}

// Partition is one partition of a table.
type Partition struct {
	Values            []string          `json:"Values"`
	DatabaseName      string            `json:"DatabaseName"`
	TableName         string            `json:"TableName"`
	StorageDescriptor StorageDescriptor `json:"StorageDescriptor"`
	Parameters        map[string]string `json:"Parameters,omitempty"`
	CreationTime      Epoch             `json:"CreationTime"`
}

// Database is a catalog database.
type Database struct {
	Name        string `json:"Name"`
	Description string `json:"Description,omitempty"`
	CreateTime  Epoch  `json:"CreateTime"`
}

// Errors, named as Glue names them.
var (
	ErrEntityNotFound = errors.New("EntityNotFoundException")
	ErrAlreadyExists  = errors.New("AlreadyExistsException")
	ErrInvalidInput   = errors.New("InvalidInputException")
	ErrCrawlerRunning = errors.New("CrawlerRunningException")
)

// state is what the catalog persists.
type state struct {
	Databases  map[string]*Database             `json:"databases"`
	Tables     map[string]map[string]*Table     `json:"tables"`     // database -> table
	Partitions map[string]map[string]*Partition `json:"partitions"` // database.table -> values joined by "/"
	Crawlers   map[string]*Crawler              `json:"crawlers"`
}

// Catalog is the Data Catalog, persisted to a file after each change.
type Catalog struct {
	mu   sync.Mutex
	path string
	st   state
}

// Open loads the catalog from path, or starts an empty one when the file does not exist. A corrupt
// file is an error that names it.
func Open(path string) (*Catalog, error) {
	c := &Catalog{path: path, st: state{Databases: map[string]*Database{}, Tables: map[string]map[string]*Table{},
		Partitions: map[string]map[string]*Partition{}, Crawlers: map[string]*Crawler{}}}
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return c, nil
	case err != nil:
		return nil, fmt.Errorf("read catalog: %w", err)
	}
	if err := json.Unmarshal(b, &c.st); err != nil {
		return nil, fmt.Errorf("catalog %s is corrupt: %w (move it away to start afresh)", path, err)
	}
	for _, cr := range c.st.Crawlers {
		if cr.State != CrawlerReady { // a crawl cut short by a stop
			cr.State = CrawlerReady
		}
	}
	return c, nil
}

// save writes the catalog atomically. Callers hold mu.
func (c *Catalog) save() error {
	if c.path == "" {
		return nil
	}
	b, err := json.MarshalIndent(&c.st, "", " ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(c.path), 0o755); err != nil {
		return err
	}
	tmp := c.path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, c.path)
}

func notFound(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrEntityNotFound, fmt.Sprintf(format, args...))
}

// CreateDatabase adds a database.
func (c *Catalog) CreateDatabase(name, description string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if name == "" {
		return fmt.Errorf("%w: database name is empty", ErrInvalidInput)
	}
	if _, ok := c.st.Databases[name]; ok {
		return fmt.Errorf("%w: Database %s already exists", ErrAlreadyExists, name)
	}
	c.st.Databases[name] = &Database{Name: name, Description: description, CreateTime: now()}
	return c.save()
}

// EnsureDatabase adds a database unless it exists.
func (c *Catalog) EnsureDatabase(name string) error {
	if err := c.CreateDatabase(name, ""); err != nil && !errors.Is(err, ErrAlreadyExists) {
		return err
	}
	return nil
}

// Database returns a database.
func (c *Catalog) Database(name string) (Database, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, ok := c.st.Databases[name]
	if !ok {
		return Database{}, notFound("Database %s not found.", name)
	}
	return *d, nil
}

// Databases lists the databases by name.
func (c *Catalog) Databases() []Database {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Database, 0, len(c.st.Databases))
	for _, d := range c.st.Databases {
		out = append(out, *d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// PutTable creates or replaces a table.
func (c *Catalog) PutTable(t Table) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.st.Databases[t.DatabaseName]; !ok {
		return notFound("Database %s not found.", t.DatabaseName)
	}
	if c.st.Tables[t.DatabaseName] == nil {
		c.st.Tables[t.DatabaseName] = map[string]*Table{}
	}
	now := now()
	if old, ok := c.st.Tables[t.DatabaseName][t.Name]; ok {
		t.CreateTime = old.CreateTime
	} else {
		t.CreateTime = now
	}
	t.UpdateTime = now
	c.st.Tables[t.DatabaseName][t.Name] = &t
	return c.save()
}

// Table returns a table.
func (c *Catalog) Table(database, name string) (Table, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.st.Databases[database]; !ok {
		return Table{}, notFound("Database %s not found.", database)
	}
	t, ok := c.st.Tables[database][name]
	if !ok {
		return Table{}, notFound("Table %s not found.", name)
	}
	return *t, nil
}

// Tables lists a database's tables by name.
func (c *Catalog) Tables(database string) ([]Table, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.st.Databases[database]; !ok {
		return nil, notFound("Database %s not found.", database)
	}
	out := []Table{}
	for _, t := range c.st.Tables[database] {
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// DeleteTable removes a table and its partitions.
func (c *Catalog) DeleteTable(database, name string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.st.Tables[database][name]; !ok {
		return notFound("Table %s not found.", name)
	}
	delete(c.st.Tables[database], name)
	delete(c.st.Partitions, database+"."+name)
	return c.save()
}

// AddPartitions adds partitions that are not there yet, and returns how many it added.
func (c *Catalog) AddPartitions(database, table string, parts []Partition) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.st.Tables[database][table]; !ok {
		return 0, notFound("Table %s not found.", table)
	}
	key := database + "." + table
	if c.st.Partitions[key] == nil {
		c.st.Partitions[key] = map[string]*Partition{}
	}
	added := 0
	for _, p := range parts {
		k := strings.Join(p.Values, "/")
		if _, ok := c.st.Partitions[key][k]; ok {
			continue
		}
		p.DatabaseName, p.TableName = database, table
		if time.Time(p.CreationTime).IsZero() {
			p.CreationTime = now()
		}
		c.st.Partitions[key][k] = &p
		added++
	}
	if added == 0 {
		return 0, nil
	}
	return added, c.save()
}

// Partition returns one partition.
func (c *Catalog) Partition(database, table string, values []string) (Partition, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.st.Tables[database][table]; !ok {
		return Partition{}, notFound("Table %s not found.", table)
	}
	p, ok := c.st.Partitions[database+"."+table][strings.Join(values, "/")]
	if !ok {
		return Partition{}, notFound("Cannot find partition.")
	}
	return *p, nil
}

// Partitions lists a table's partitions in value order.
func (c *Catalog) Partitions(database, table string) ([]Partition, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.st.Tables[database][table]; !ok {
		return nil, notFound("Table %s not found.", table)
	}
	out := []Partition{}
	for _, p := range c.st.Partitions[database+"."+table] {
		out = append(out, *p)
	}
	sort.Slice(out, func(i, j int) bool { return strings.Join(out[i].Values, "/") < strings.Join(out[j].Values, "/") })
	return out, nil
}

// UpdatePartition replaces the whole definition of the partition with values, as Glue's
// UpdatePartition does: values, storage descriptor (location, columns, formats) and parameters all
// come from in; only the creation time is kept. It fails with EntityNotFoundException when the table
// or the partition does not exist, InvalidInputException when in's values do not match the table's
// partition keys, and AlreadyExistsException when in renames the partition to values another one
// has.
func (c *Catalog) UpdatePartition(database, table string, values []string, in Partition) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.st.Databases[database]; !ok {
		return notFound("Database %s not found.", database)
	}
	t, ok := c.st.Tables[database][table]
	if !ok {
		return notFound("Table %s not found.", table)
	}
	key := database + "." + table
	old, ok := c.st.Partitions[key][strings.Join(values, "/")]
	if !ok {
		return notFound("Cannot find partition.")
	}
	if len(in.Values) != len(t.PartitionKeys) {
		return fmt.Errorf("%w: The number of partition values (%d) does not match the number of partition keys (%d)",
			ErrInvalidInput, len(in.Values), len(t.PartitionKeys))
	}
	newKey := strings.Join(in.Values, "/")
	if newKey != strings.Join(values, "/") {
		if _, taken := c.st.Partitions[key][newKey]; taken {
			return fmt.Errorf("%w: Partition already exists.", ErrAlreadyExists)
		}
		delete(c.st.Partitions[key], strings.Join(values, "/"))
	}
	in.DatabaseName, in.TableName, in.CreationTime = database, table, old.CreationTime
	c.st.Partitions[key][newKey] = &in
	return c.save()
}
