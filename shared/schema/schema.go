// Package schema is the declared schema of a deployment's extra fields: the fields outside the tick
// contract that become typed, nullable Parquet columns and Glue table columns. One definition is read
// by the consumer (TICK_FIELDS), the CDK app (context ticklake:fields) and the local twin; Default is
// used where none is given. It imports no SDK.
//
// A definition is either a comma-separated list of name:type pairs
//
//	index:string,date:date,open:double,volume:bigint
//
// or the same as JSON: [{"name":"index","type":"string"}, ...]. An empty definition declares no
// field. A field marked retired (a leading '-', as in -venue:string, or "retired":true) is no longer
// written, and arrives in extra again, while its table column stays, so that queries naming it keep
// working (reading NULL for new data). Names are Glue and Athena names (lower-case letters, digits and underscores, starting with
// a letter or an underscore, at most 255 bytes); a name may not be one of the contract's columns nor a
// partition key (dt, hour), and may appear once.
package schema

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/ticklake/ticklake/shared/envconf"
)

// Where the definition is read from, one place each.
const (
	// EnvFields is the consumer's environment variable.
	EnvFields = "TICK_FIELDS"
	// ContextFields is the CDK context key.
	ContextFields = "ticklake:fields"
)

// Default declares the stock-index replay's columns with their natural types, and the simulator's
// venue and sequence number.
const Default = "index:string,date:date,open:double,high:double,low:double,close:double,adj_close:double," +
	"volume:bigint,close_usd:double,venue:string,seq:bigint"

// Type is a declared field's type; its value is the Glue (Hive) type name of the column.
type Type string

// The types a field may have.
const (
	String    Type = "string"    // a JSON string; Parquet BYTE_ARRAY STRING
	Double    Type = "double"    // a finite JSON number; Parquet DOUBLE
	BigInt    Type = "bigint"    // a JSON number with an integral value in int64 (or ±2^53 when written with a fraction or exponent); Parquet INT64
	Boolean   Type = "boolean"   // true or false; Parquet BOOLEAN
	Date      Type = "date"      // a string YYYY-MM-DD; Parquet INT32 DATE
	Timestamp Type = "timestamp" // an RFC 3339 string, kept to the microsecond, UTC; Parquet INT64 TIMESTAMP(MICROS, UTC)
)

// Types lists the types, in the order the documentation gives them.
var Types = []Type{String, Double, BigInt, Boolean, Date, Timestamp}

// Reserved are the names a declared field may not take: the contract's columns and the partition keys.
var Reserved = []string{"symbol", "ts", "price", "size", "bid", "ask", "kafka_partition", "kafka_offset",
	"kafka_timestamp", "extra", "dt", "hour"}

// MaxFields bounds the fields one schema declares.
const MaxFields = 256

// Field is one declared field.
type Field struct {
	Name    string `json:"name"`
	Type    Type   `json:"type"`
	Retired bool   `json:"retired,omitempty"`
}

// Schema is the declared fields, in column order.
type Schema []Field

// ErrInvalid is wrapped by every error Parse returns.
var ErrInvalid = errors.New("invalid field declaration")

// Parse reads a definition and checks every name and type, naming each bad one.
func Parse(def string) (Schema, error) {
	def = strings.TrimSpace(def)
	var fields Schema
	if strings.HasPrefix(def, "[") {
		if err := json.Unmarshal([]byte(def), &fields); err != nil {
			return nil, fmt.Errorf("%w: not a JSON array of {\"name\",\"type\"}: %v", ErrInvalid, err)
		}
	} else if def != "" {
		for _, part := range strings.Split(def, ",") {
			name, typ, ok := strings.Cut(strings.TrimSpace(part), ":")
			if !ok {
				return nil, fmt.Errorf("%w: %q is not name:type", ErrInvalid, part)
			}
			name = strings.TrimSpace(name)
			retired := strings.HasPrefix(name, "-")
			fields = append(fields, Field{Name: strings.TrimPrefix(name, "-"), Type: Type(strings.TrimSpace(typ)), Retired: retired})
		}
	}
	if err := fields.Check(); err != nil {
		return nil, err
	}
	return fields, nil
}

// MustDefault returns the parsed Default.
func MustDefault() Schema {
	s, err := Parse(Default)
	if err != nil {
		panic(err) // Default is checked by the package's tests
	}
	return s
}

// Check reports every bad name or type, and names declared twice.
func (s Schema) Check() error {
	var errs []error
	if len(s) > MaxFields {
		errs = append(errs, fmt.Errorf("%w: %d fields, at most %d", ErrInvalid, len(s), MaxFields))
	}
	seen := map[string]bool{}
	for _, f := range s {
		if err := CheckName(f.Name); err != nil {
			errs = append(errs, err)
		}
		if !f.Type.Valid() {
			errs = append(errs, fmt.Errorf("%w: field %q: type %q is not one of %s", ErrInvalid, f.Name, f.Type, typeList()))
		}
		if seen[f.Name] {
			errs = append(errs, fmt.Errorf("%w: field %q is declared twice", ErrInvalid, f.Name))
		}
		seen[f.Name] = true
	}
	return errors.Join(errs...)
}

// CheckName reports whether name may be a declared field's name.
func CheckName(name string) error {
	if name == "" || len(name) > 255 {
		return fmt.Errorf("%w: field name %q must be 1 to 255 characters", ErrInvalid, name)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c == '_' || i > 0 && c >= '0' && c <= '9') {
			return fmt.Errorf("%w: field name %q: Glue and Athena names are lower-case letters, digits and underscores, not starting with a digit", ErrInvalid, name)
		}
	}
	for _, r := range Reserved {
		if name == r {
			return fmt.Errorf("%w: field name %q is a column of the tick contract or a partition key (%s)", ErrInvalid, name, strings.Join(Reserved, ", "))
		}
	}
	return nil
}

// Valid reports whether t is one of Types.
func (t Type) Valid() bool {
	for _, x := range Types {
		if t == x {
			return true
		}
	}
	return false
}

func typeList() string {
	out := make([]string, len(Types))
	for i, t := range Types {
		out[i] = string(t)
	}
	return strings.Join(out, ", ")
}

// String renders the schema in the name:type form Parse reads.
func (s Schema) String() string {
	parts := make([]string, len(s))
	for i, f := range s {
		parts[i] = f.Name + ":" + string(f.Type)
		if f.Retired {
			parts[i] = "-" + parts[i]
		}
	}
	return strings.Join(parts, ",")
}

// Index returns the position of the field named name, or -1.
func (s Schema) Index(name string) int {
	for i, f := range s {
		if f.Name == name {
			return i
		}
	}
	return -1
}

// Written returns the fields that are still written: all but the retired ones.
func (s Schema) Written() Schema {
	var out Schema
	for _, f := range s {
		if !f.Retired {
			out = append(out, f)
		}
	}
	return out
}

// FromEnv reads the declaration in EnvFields through env: unset, the default fields; set but
// blank, none. A bad declaration is recorded in env (env.Err names the variable and the field).
// Retired fields are kept; see Written for the ones still written.
func FromEnv(env *envconf.Reader) Schema {
	def := Default
	if v, ok := env.Lookup(EnvFields); ok {
		def = v
	}
	fields, err := Parse(def)
	if err != nil {
		env.Fail(EnvFields, def, err.Error())
	}
	return fields
}
