package athena

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ticklake/ticklake/local/glue"
)

type memOut struct{}

func (memOut) Put(context.Context, string, string, []byte, string) error { return nil }

func TestScratch(t *testing.T) {
	f := os.Getenv("SCRATCH")
	if f == "" {
		t.Skip()
	}
	dir := t.TempDir()
	cat, _ := glue.Open(filepath.Join(dir, "glue.json"))
	cat.EnsureDatabase("ticklake")
	e, err := New(cat, func(b string) string { return filepath.Join(dir, b) }, memOut{})
	if err != nil {
		t.Fatal(err)
	}
	fh, _ := os.Open(f)
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		q := sc.Text()
		if strings.TrimSpace(q) == "" {
			continue
		}
		cols, rows, _, err := e.query(context.Background(), "ticklake", q, nil)
		if err != nil {
			fmt.Printf("%s\n  ERR %s\n", q, func() string { m, _ := athenaMessage(err); return m }())
			if tr, err := translate(q, "ticklake", catalogResolver{cat}); err == nil {
				fmt.Printf("  SQL %s\n", tr.sql)
			}
			continue
		}
		var cs []string
		for _, c := range cols {
			cs = append(cs, c.Name+":"+c.Type)
		}
		fmt.Printf("%s\n  %v\n", q, cs)
		for _, r := range rows {
			var vs []string
			for _, v := range r {
				if v == nil {
					vs = append(vs, "NULL")
				} else {
					vs = append(vs, *v)
				}
			}
			fmt.Printf("  -> %s\n", strings.Join(vs, " | "))
		}
	}
}
