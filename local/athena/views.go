package athena

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ticklake/ticklake/local/glue"
)

// The views beside each table's: catalog views, "table$partitions" and the pseudo-columns.

// catalogResolver answers the translation's questions from the Glue catalog.
type catalogResolver struct{ cat *glue.Catalog }

func (r catalogResolver) database(name string) bool {
	_, err := r.cat.Database(name)
	return err == nil || name == "default"
}

func (r catalogResolver) table(database, name string) (bool, bool) {
	t, err := r.cat.Table(database, name)
	return err == nil, err == nil && len(t.PartitionKeys) > 0
}

// createDuckView makes a catalog view a DuckDB view of its translated SQL.
func (e *Engine) createDuckView(ctx context.Context, v glue.Table) error {
	pv, err := decodeView(v)
	if err != nil {
		return err
	}
	tr, err := translate(pv.OriginalSQL, v.DatabaseName, catalogResolver{e.catalog})
	if err != nil {
		return fmt.Errorf("view %s.%s: %w", v.DatabaseName, v.Name, err)
	}
	if tr.pseudo {
		return &QueryError{Type: ErrNotSupported, Message: fmt.Sprintf("view %s.%s reads pseudo-columns", v.DatabaseName, v.Name)}
	}
	conn, err := e.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SET schema = "+quoteLiteral(v.DatabaseName)); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, "CREATE OR REPLACE VIEW "+quoteIdent(v.DatabaseName)+"."+quoteIdent(v.Name)+" AS "+tr.sql); err != nil {
		return fmt.Errorf("view %s.%s: %w", v.DatabaseName, v.Name, duckError(err, pv.OriginalSQL, tr))
	}
	return nil
}

// partitionsSQL is the "table$partitions" table: one row per cataloged partition, its keys' values.
func partitionsSQL(t glue.Table, parts []glue.Partition) string {
	var names, nulls []string
	for _, k := range t.PartitionKeys {
		names = append(names, quoteIdent(k.Name))
		nulls = append(nulls, "CAST(NULL AS "+duckType(k.Type)+") AS "+quoteIdent(k.Name))
	}
	if len(parts) == 0 {
		return "SELECT " + strings.Join(nulls, ", ") + " WHERE false"
	}
	var rows []string
	for _, p := range parts {
		var vals []string
		for i, k := range t.PartitionKeys {
			v := "NULL"
			if i < len(p.Values) {
				v = "CAST(" + quoteLiteral(p.Values[i]) + " AS " + duckType(k.Type) + ")"
			}
			vals = append(vals, v)
		}
		rows = append(rows, "("+strings.Join(vals, ", ")+")")
	}
	return "SELECT * FROM (VALUES " + strings.Join(rows, ", ") + ") AS p(" + strings.Join(names, ", ") + ")"
}

// filesSQL is a table's view with Athena's pseudo-columns: "$path" (the object's s3:// URI),
// "$file_size" and "$file_modified_time".
func (e *Engine) filesSQL(t glue.Table, groups []fileGroup, files []string, have map[string]map[string]bool) string {
	base := viewSQL(t, groups, have, true)
	buckets := map[string]bool{}
	bucketOf := func(loc string) {
		if b, _, _ := strings.Cut(strings.TrimPrefix(loc, "s3://"), "/"); b != "" {
			buckets[b] = true
		}
	}
	bucketOf(t.StorageDescriptor.Location)
	if parts, err := e.catalog.Partitions(t.DatabaseName, t.Name); err == nil {
		for _, p := range parts {
			bucketOf(p.StorageDescriptor.Location)
		}
	}
	var rows []string
	for _, f := range files {
		uri := f
		for bucket := range buckets {
			if rel, err := filepath.Rel(e.bucketDir(bucket), f); err == nil && !strings.HasPrefix(rel, "..") {
				uri = "s3://" + bucket + "/" + filepath.ToSlash(rel)
			}
		}
		var size, mtime int64
		if info, err := os.Stat(f); err == nil {
			size, mtime = info.Size(), info.ModTime().UnixMilli()
		}
		rows = append(rows, fmt.Sprintf("(%s, %s, %d, %d)", quoteLiteral(f), quoteLiteral(uri), size, mtime))
	}
	if len(rows) == 0 {
		rows = append(rows, "(NULL, NULL, NULL, NULL)")
	}
	return "SELECT b.* EXCLUDE (" + fileColumn + "), f.uri AS \"$path\", CAST(f.size AS BIGINT) AS \"$file_size\", " +
		"make_timestamptz(CAST(f.mtime AS BIGINT) * 1000) AS \"$file_modified_time\" FROM (" + base + ") AS b JOIN (VALUES " +
		strings.Join(rows, ", ") + ") AS f(path, uri, size, mtime) ON b." + fileColumn + " = f.path"
}

// fileColumn carries, in a table's view of its pseudo-columns, the file each row comes from.
const fileColumn = "tl_file"
