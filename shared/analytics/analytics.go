// Package analytics holds the pipeline's analytics queries, written once in SQL that Athena (Trino)
// and DuckDB both run with the same meaning. The CDK app turns them into Athena named queries and
// state machine steps; the local twin runs them on DuckDB. Each query reads the table `ticks` of the
// current database and takes one parameter, the day ('YYYY-MM-DD'), bound to its one `?`.
package analytics

import (
	_ "embed"
	"fmt"
	"strings"
)

// Table is the table the queries read.
const Table = "ticks"

// Definition is the analytics state machine as the CDK app synthesizes it, with plain names for its
// tokens (crawler ticklake-crawler, workgroup ticklake-analytics, account 000000000000, us-east-1).
// A test in infra/ keeps it current; the local twin executes it.
//
//go:embed analytics.asl.json
var Definition []byte

// CompactionDefinition is the compaction state machine as the CDK app synthesizes it, with plain
// names for its tokens (the function compactor, account 000000000000, us-east-1). A test in infra/
// keeps it current; the local twin executes it.
//
//go:embed compaction.asl.json
var CompactionDefinition []byte

var (
	//go:embed sql/ohlcv_1m.sql
	ohlcv1m string
	//go:embed sql/vwap_daily.sql
	vwapDaily string
	//go:embed sql/top_movers.sql
	topMovers string
	//go:embed sql/realized_volatility.sql
	realizedVolatility string
	//go:embed sql/data_quality.sql
	dataQuality string
)

// Query is one analytics query.
type Query struct {
	// Name is the query's file name without .sql.
	Name string
	// Description is the query's leading comment, as one line.
	Description string
	// SQL is the whole text, comment included.
	SQL string
}

// All returns the queries, in the order they are listed and run.
func All() []Query {
	return []Query{
		newQuery("ohlcv_1m", ohlcv1m),
		newQuery("vwap_daily", vwapDaily),
		newQuery("top_movers", topMovers),
		newQuery("realized_volatility", realizedVolatility),
		newQuery("data_quality", dataQuality),
	}
}

// Get returns the query named name.
func Get(name string) (Query, error) {
	for _, q := range All() {
		if q.Name == name {
			return q, nil
		}
	}
	return Query{}, fmt.Errorf("no analytics query %q", name)
}

func newQuery(name, sql string) Query {
	var parts []string
	for _, line := range strings.Split(sql, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "--") {
			break
		}
		parts = append(parts, strings.TrimSpace(strings.TrimPrefix(line, "--")))
	}
	return Query{Name: name, Description: strings.Join(parts, " "), SQL: strings.TrimSpace(sql)}
}

// Literal renders the day parameter as Athena's execution parameters take it: a quoted SQL literal.
func Literal(day string) string { return "'" + strings.ReplaceAll(day, "'", "''") + "'" }

// The analytics state machine's input check: a date that is not a day fails the execution with
// ErrBadDate and BadDateCause.
const (
	ErrBadDate   = "Input.BadDate"
	BadDateCause = `the input's "date" must be a day, YYYY-MM-DD (UTC), such as {"date": "2026-11-25"}; leave it out for the execution's day`
)
