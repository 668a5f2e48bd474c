package athena

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// athenaType maps a DuckDB result type to the name Athena reports.
func athenaType(duck string) string {
	switch {
	case strings.HasSuffix(duck, "]"):
		return "array"
	case duck == "VARCHAR":
		return "varchar"
	case duck == "BIGINT" || duck == "HUGEINT" || duck == "UBIGINT" || duck == "UINTEGER":
		return "bigint"
	case duck == "INTEGER" || duck == "USMALLINT":
		return "integer"
	case duck == "SMALLINT" || duck == "UTINYINT":
		return "smallint"
	case duck == "TINYINT":
		return "tinyint"
	case duck == "DOUBLE":
		return "double"
	case duck == "FLOAT":
		return "real"
	case duck == "BOOLEAN":
		return "boolean"
	case duck == "DATE":
		return "date"
	case duck == "TIMESTAMPTZ" || duck == "TIMESTAMP WITH TIME ZONE":
		return "timestamp with time zone"
	case strings.HasPrefix(duck, "TIMESTAMP"):
		return "timestamp"
	case strings.HasPrefix(duck, "TIME"):
		return "time"
	case strings.HasPrefix(duck, "DECIMAL"):
		return "decimal"
	case duck == "JSON":
		return "json"
	case duck == "BLOB":
		return "varbinary"
	case duck == "INTERVAL":
		return "interval day to second"
	case strings.HasSuffix(duck, "]"):
		return "array"
	case strings.HasPrefix(duck, "MAP"):
		return "map"
	case strings.HasPrefix(duck, "STRUCT"):
		return "row"
	case duck == "UUID":
		return "uuid"
	}
	return "varchar"
}

// formatTyped renders a value of DuckDB type duck as Athena writes it in results; nil stays nil (an
// empty cell).
func formatTyped(v any, duck string) *string {
	if v == nil {
		return nil
	}
	s := render(v, duck, true)
	return &s
}

// render writes a value as Trino prints it: arrays [a, b], maps {k=v}, rows {f=v}, timestamps with
// milliseconds, dates without time, doubles as Java prints them, varbinary as hex bytes.
func render(v any, duck string, top bool) string {
	if duck == "JSON" && v != nil {
		// as Trino writes JSON: keys sorted (as Marshal does), <, > and & as they are
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err == nil {
			return strings.TrimSuffix(b.String(), "\n")
		}
	}
	switch x := v.(type) {
	case nil:
		if top {
			return ""
		}
		return "null"
	case string:
		return x
	case []byte:
		if duck == "BLOB" {
			var parts []string
			for _, c := range x {
				parts = append(parts, fmt.Sprintf("%02x", c))
			}
			return strings.Join(parts, " ")
		}
		return string(x)
	case time.Time:
		switch {
		case duck == "DATE":
			return x.UTC().Format("2006-01-02")
		case duck == "TIMESTAMPTZ" || duck == "TIMESTAMP WITH TIME ZONE":
			return x.UTC().Format("2006-01-02 15:04:05.000") + " UTC"
		case duck == "TIME":
			return x.Format("15:04:05.000")
		}
		return x.UTC().Format("2006-01-02 15:04:05.000")
	case float64:
		return formatFloat(x)
	case float32:
		return formatFloat(float64(x))
	case bool:
		return strconv.FormatBool(x)
	case *big.Int:
		return x.String()
	case duckdb.Decimal:
		return formatDecimal(x)
	case duckdb.Interval:
		return formatInterval(x)
	case []any:
		el := strings.TrimSuffix(duck, "[]")
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = render(e, el, false)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case duckdb.OrderedMap:
		kt, vt := mapTypes(duck)
		var parts []string
		for i, k := range x.Keys() {
			parts = append(parts, render(k, kt, false)+"="+render(x.Values()[i], vt, false))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case duckdb.Map:
		kt, vt := mapTypes(duck)
		var parts []string
		for k, e := range x {
			parts = append(parts, render(k, kt, false)+"="+render(e, vt, false))
		}
		sort.Strings(parts)
		return "{" + strings.Join(parts, ", ") + "}"
	case map[string]any:
		if duck == "JSON" {
			b, _ := json.Marshal(x)
			return string(b)
		}
		names := structFields(duck)
		var parts []string
		for _, n := range names {
			parts = append(parts, n.name+"="+render(x[n.name], n.typ, false))
		}
		if len(names) == 0 {
			for k, e := range x {
				parts = append(parts, k+"="+render(e, "", false))
			}
			sort.Strings(parts)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	if duck == "JSON" {
		b, err := json.Marshal(v)
		if err == nil {
			return string(b)
		}
	}
	return fmt.Sprint(v)
}

func formatDecimal(d duckdb.Decimal) string {
	if d.Value == nil {
		return "0"
	}
	neg := d.Value.Sign() < 0
	digits := new(big.Int).Abs(d.Value).String()
	scale := int(d.Scale)
	if scale > 0 {
		for len(digits) <= scale {
			digits = "0" + digits
		}
		digits = digits[:len(digits)-scale] + "." + digits[len(digits)-scale:]
	}
	if neg {
		digits = "-" + digits
	}
	return digits
}

func formatInterval(i duckdb.Interval) string {
	if i.Months != 0 {
		return fmt.Sprintf("%d-%d", i.Months/12, i.Months%12)
	}
	us := int64(i.Days)*86400e6 + i.Micros
	sign := ""
	if us < 0 {
		sign, us = "-", -us
	}
	d := us / 86400e6
	us -= d * 86400e6
	return fmt.Sprintf("%s%d %02d:%02d:%02d.%03d", sign, d, us/3600e6, us/60e6%60, us/1e6%60, us/1000%1000)
}

// mapTypes splits MAP(K, V) into K and V.
func mapTypes(duck string) (string, string) {
	inner := strings.TrimSuffix(strings.TrimPrefix(duck, "MAP("), ")")
	parts := splitTop(inner)
	if len(parts) != 2 {
		return "", ""
	}
	return parts[0], parts[1]
}

type field struct{ name, typ string }

// structFields reads STRUCT("a" INTEGER, b VARCHAR) into its fields, in order.
func structFields(duck string) []field {
	if !strings.HasPrefix(duck, "STRUCT(") {
		return nil
	}
	var out []field
	for _, p := range splitTop(strings.TrimSuffix(strings.TrimPrefix(duck, "STRUCT("), ")")) {
		p = strings.TrimSpace(p)
		var name, typ string
		if strings.HasPrefix(p, `"`) {
			end := strings.Index(p[1:], `"`) + 1
			name, typ = p[1:end], strings.TrimSpace(p[end+1:])
		} else {
			name, typ, _ = strings.Cut(p, " ")
		}
		out = append(out, field{name, typ})
	}
	return out
}

// splitTop splits at commas outside parentheses and quotes.
func splitTop(s string) []string {
	var out []string
	depth, start := 0, 0
	quoted := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '(' || c == '[':
			depth++
		case c == ')' || c == ']':
			depth--
		case c == ',' && depth == 0:
			out = append(out, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	if strings.TrimSpace(s) != "" {
		out = append(out, strings.TrimSpace(s[start:]))
	}
	return out
}

// formatFloat prints a double as Trino does (Java's Double.toString): 2.0, 0.001, 1.0E7, 1.0E-4.
func formatFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	if a := math.Abs(f); a != 0 && (a < 1e-3 || a >= 1e7) {
		s := strconv.FormatFloat(f, 'e', -1, 64)
		mant, exp, _ := strings.Cut(s, "e")
		if !strings.Contains(mant, ".") {
			mant += ".0"
		}
		e, _ := strconv.Atoi(exp)
		return mant + "E" + strconv.Itoa(e)
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}
