package athena

import (
	"fmt"
	"sort"
	"strings"
)

// macroPrefix names the DuckDB macros that give Trino's semantics where DuckDB's differ; they live in
// DuckDB's main schema and are called qualified (main.tl_...), so users cannot reach them by name.
const macroPrefix = "tl_"

// fnSpec is one function of the allow-list: how many arguments it takes and how it becomes DuckDB.
type fnSpec struct {
	min, max int // max -1: any number
	// tpl is the DuckDB expression: {0}, {1}, ... the arguments, {*} all of them joined by commas,
	// @name a macro of macros below.
	tpl    string
	custom func(tr *translator, pos int, args []*builder, spans [][2]int) (*builder, error)
}

func (s fnSpec) signature(name string) string {
	switch {
	case s.max < 0:
		return fmt.Sprintf("%s(at least %d arguments)", name, s.min)
	case s.min == s.max:
		return fmt.Sprintf("%s(%d arguments)", name, s.min)
	}
	return fmt.Sprintf("%s(%d to %d arguments)", name, s.min, s.max)
}

func (s fnSpec) rewrite(tr *translator, pos int, args []*builder, spans [][2]int) (*builder, error) {
	if s.custom != nil {
		return s.custom(tr, pos, args, spans)
	}
	return expand(s.tpl, pos, args), nil
}

// expand fills a template with the translated arguments.
func expand(tpl string, pos int, args []*builder) *builder {
	out := &builder{}
	lit := strings.Builder{}
	flush := func() {
		if lit.Len() > 0 {
			out.emit(lit.String(), pos)
			lit.Reset()
		}
	}
	for i := 0; i < len(tpl); i++ {
		c := tpl[i]
		switch {
		case c == '{' && i+2 < len(tpl) && tpl[i+2] == '}' && (tpl[i+1] == '*' || isDigit(tpl[i+1])):
			flush()
			if tpl[i+1] == '*' {
				for k, a := range args {
					if k > 0 {
						out.emit(", ", pos)
					}
					out.add(a)
				}
			} else if n := int(tpl[i+1] - '0'); n < len(args) {
				out.add(args[n])
			} else {
				out.emit("NULL", pos)
			}
			i += 2
		case c == '@':
			lit.WriteString("main." + macroPrefix)
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	out.emit(" ", pos)
	return out
}

func f(min, max int, tpl string) fnSpec { return fnSpec{min: min, max: max, tpl: tpl} }

// functions is the allow-list: the Trino functions the local Athena runs, each with Trino's
// semantics. README.md lists them; TestAllowListDocumented keeps the two in step.
var functions = map[string]fnSpec{
	// aggregates
	"count": f(0, 1, "count({*})"), "count_if": f(1, 1, "count_if({0})"), "sum": f(1, 1, "sum({0})"),
	"avg": f(1, 1, "avg({0})"), "min": f(1, 1, "min({0})"), "max": f(1, 1, "max({0})"),
	"min_by": f(2, 3, "min_by({*})"), "max_by": f(2, 3, "max_by({*})"), "arbitrary": f(1, 1, "any_value({0})"),
	"any_value": f(1, 1, "any_value({0})"), "array_agg": f(1, 1, "array_agg({0})"), "bool_and": f(1, 1, "bool_and({0})"),
	"bool_or": f(1, 1, "bool_or({0})"), "every": f(1, 1, "bool_and({0})"), "stddev": f(1, 1, "stddev_samp({0})"),
	"stddev_samp": f(1, 1, "stddev_samp({0})"), "stddev_pop": f(1, 1, "stddev_pop({0})"), "variance": f(1, 1, "var_samp({0})"),
	"var_samp": f(1, 1, "var_samp({0})"), "var_pop": f(1, 1, "var_pop({0})"), "corr": f(2, 2, "corr({0}, {1})"),
	"covar_samp": f(2, 2, "covar_samp({0}, {1})"), "covar_pop": f(2, 2, "covar_pop({0}, {1})"),
	"regr_slope": f(2, 2, "regr_slope({0}, {1})"), "regr_intercept": f(2, 2, "regr_intercept({0}, {1})"),
	"geometric_mean": f(1, 1, "geomean({0})"), "kurtosis": f(1, 1, "kurtosis({0})"), "skewness": f(1, 1, "skewness({0})"),
	"approx_distinct":      f(1, 2, "count(DISTINCT {0})"),
	"approx_percentile":    f(2, 2, "quantile_disc({0}, {1})"),
	"approx_most_frequent": f(3, 3, "@approx_most_frequent({0}, {1}, {2})"),
	"histogram":            f(1, 1, "histogram({0})"),
	"map_agg":              f(2, 2, "map_from_entries(list(struct_pack(key := {0}, value := {1})) FILTER (WHERE {0} IS NOT NULL))"),
	// window functions
	"row_number": f(0, 0, "row_number()"), "rank": f(0, 0, "rank()"), "dense_rank": f(0, 0, "dense_rank()"),
	"percent_rank": f(0, 0, "percent_rank()"), "cume_dist": f(0, 0, "cume_dist()"), "ntile": f(1, 1, "ntile({0})"),
	"lag": f(1, 3, "lag({*})"), "lead": f(1, 3, "lead({*})"), "first_value": f(1, 1, "first_value({0})"),
	"last_value": f(1, 1, "last_value({0})"), "nth_value": f(2, 2, "nth_value({0}, {1})"),
	// math
	"abs": f(1, 1, "abs({0})"), "ceil": f(1, 1, "ceil({0})"), "ceiling": f(1, 1, "ceil({0})"), "floor": f(1, 1, "floor({0})"),
	"round": f(1, 2, "round({*})"), "truncate": f(1, 1, "trunc({0})"), "sqrt": f(1, 1, "sqrt({0})"),
	"cbrt": f(1, 1, "@cbrt({0})"), "exp": f(1, 1, "exp({0})"), "ln": f(1, 1, "ln({0})"), "log2": f(1, 1, "log2({0})"),
	"log10": f(1, 1, "log10({0})"), "log": f(2, 2, "(ln({1}) / ln({0}))"), "power": f(2, 2, "pow({0}, {1})"),
	"pow": f(2, 2, "pow({0}, {1})"), "mod": f(2, 2, "({0} % @divisor({1}))"), "sign": f(1, 1, "sign({0})"), "pi": f(0, 0, "pi()"),
	"e": f(0, 0, "exp(1)"), "rand": f(0, 0, "random()"), "random": f(0, 1, "@random({*})"), "degrees": f(1, 1, "degrees({0})"),
	"radians": f(1, 1, "radians({0})"), "sin": f(1, 1, "sin({0})"), "cos": f(1, 1, "cos({0})"), "tan": f(1, 1, "tan({0})"),
	"asin": f(1, 1, "asin({0})"), "acos": f(1, 1, "acos({0})"), "atan": f(1, 1, "atan({0})"), "atan2": f(2, 2, "atan2({0}, {1})"),
	"sinh": f(1, 1, "sinh({0})"), "cosh": f(1, 1, "cosh({0})"), "tanh": f(1, 1, "tanh({0})"),
	"is_nan": f(1, 1, "isnan({0})"), "is_finite": f(1, 1, "isfinite({0})"), "is_infinite": f(1, 1, "isinf({0})"),
	"nan": f(0, 0, "CAST('NaN' AS DOUBLE)"), "infinity": f(0, 0, "CAST('Infinity' AS DOUBLE)"),
	"width_bucket": f(4, 4, "@width_bucket({0}, {1}, {2}, {3})"),
	"greatest":     {min: 1, max: -1, custom: nullStrict("greatest")}, "least": {min: 1, max: -1, custom: nullStrict("least")},
	// strings
	"length": f(1, 1, "length({0})"), "lower": f(1, 1, "lower({0})"), "upper": f(1, 1, "upper({0})"),
	"trim": f(1, 2, "trim({*})"), "ltrim": f(1, 2, "ltrim({*})"), "rtrim": f(1, 2, "rtrim({*})"),
	"reverse": f(1, 1, "@reverse({0})"), "replace": f(2, 3, ""), "concat": {min: 1, max: -1, custom: concat},
	"substr": f(2, 3, "@substr({*})"), "substring": f(2, 3, "@substr({*})"), "strpos": f(2, 2, "strpos({0}, {1})"),
	"position": f(1, 1, "position({0})"), "lpad": f(3, 3, "lpad({0}, {1}, {2})"), "rpad": f(3, 3, "rpad({0}, {1}, {2})"),
	"split": f(2, 2, "string_split({0}, {1})"), "split_part": f(3, 3, "@split_part({0}, {1}, {2})"),
	"starts_with": f(2, 2, "starts_with({0}, {1})"), "chr": f(1, 1, "chr({0})"), "codepoint": f(1, 1, "unicode({0})"),
	"levenshtein_distance": f(2, 2, "levenshtein({0}, {1})"), "hamming_distance": f(2, 2, "hamming({0}, {1})"),
	"to_utf8": f(1, 1, "encode({0})"), "from_utf8": f(1, 1, "decode({0})"), "to_hex": f(1, 1, "upper(hex({0}))"),
	"from_hex": f(1, 1, "unhex({0})"), "to_base64": f(1, 1, "to_base64({0})"), "from_base64": f(1, 1, "from_base64({0})"),
	"md5": f(1, 1, "unhex(md5({0}))"), "sha256": f(1, 1, "unhex(sha256({0}))"), "sha1": f(1, 1, "unhex(sha1({0}))"),
	"regexp_like": f(2, 2, "regexp_matches({0}, {1})"), "regexp_extract": f(2, 3, "@regexp_extract({*})"),
	"regexp_extract_all": f(2, 3, "regexp_extract_all({*})"), "regexp_replace": f(2, 3, ""),
	"regexp_split": f(2, 2, "regexp_split_to_array({0}, {1})"), "regexp_count": f(2, 2, "len(regexp_extract_all({0}, {1}))"),
	// JSON
	"json_extract": f(2, 2, "json_extract(CAST({0} AS JSON), {1})"), "json_extract_scalar": f(2, 2, "@json_extract_scalar({0}, {1})"),
	"json_parse": f(1, 1, "json({0})"), "json_format": f(1, 1, "CAST({0} AS VARCHAR)"),
	"json_array_length": f(1, 1, "@json_array_length({0})"), "json_size": f(2, 2, "@json_size({0}, {1})"),
	"json_array_get": f(2, 2, "json_extract(CAST({0} AS JSON), '$[' || CAST({1} AS VARCHAR) || ']')"),
	"is_json_scalar": f(1, 1, "(json_type(CAST({0} AS JSON)) NOT IN ('OBJECT', 'ARRAY'))"),
	// date and time
	"current_date": f(0, 0, "current_date"), "now": f(0, 0, "now()"), "current_timezone": f(0, 0, "'UTC'"),
	"date_trunc": {min: 2, max: 2, custom: dateTrunc}, "date_add": {min: 3, max: 3, custom: dateAdd},
	"date_diff": {min: 3, max: 3, custom: dateDiff}, "date_format": {min: 2, max: 2, custom: dateFormat(false)},
	"date_parse": {min: 2, max: 2, custom: dateFormat(true)}, "format_datetime": {min: 2, max: 2, custom: jodaFormat},
	"from_unixtime": f(1, 1, "to_timestamp({0})"), "to_unixtime": f(1, 1, "epoch({0})"),
	"from_iso8601_timestamp": f(1, 1, "@from_iso8601_timestamp({0})"), "from_iso8601_date": f(1, 1, "CAST({0} AS DATE)"),
	"to_iso8601": f(1, 1, "@to_iso8601({0})"), "at_timezone": f(2, 2, "@at_timezone({0}, {1})"),
	"date": f(1, 1, "CAST({0} AS DATE)"),
	"year": f(1, 1, "year({0})"), "quarter": f(1, 1, "quarter({0})"), "month": f(1, 1, "month({0})"),
	"week": f(1, 1, "weekofyear({0})"), "week_of_year": f(1, 1, "weekofyear({0})"), "day": f(1, 1, "day({0})"),
	"day_of_month": f(1, 1, "day({0})"), "day_of_week": f(1, 1, "isodow({0})"), "dow": f(1, 1, "isodow({0})"),
	"day_of_year": f(1, 1, "dayofyear({0})"), "doy": f(1, 1, "dayofyear({0})"), "year_of_week": f(1, 1, "isoyear({0})"),
	"yow": f(1, 1, "isoyear({0})"), "hour": f(1, 1, "hour({0})"), "minute": f(1, 1, "minute({0})"),
	"second": f(1, 1, "second({0})"), "millisecond": f(1, 1, "(millisecond({0}) % 1000)"),
	"last_day_of_month": f(1, 1, "last_day({0})"),
	// conditional
	"if": f(2, 3, "(CASE WHEN {0} THEN {1} ELSE {2} END)"), "try": f(1, 1, "try({0})"),
	"coalesce": f(1, -1, "coalesce({*})"), "nullif": f(2, 2, "nullif({0}, {1})"),
	// arrays, maps and lambdas
	"cardinality": f(1, 1, "@cardinality({0})"), "element_at": f(2, 2, "@element_at({0}, {1})"),
	"array_join": f(2, 3, ""), "contains": f(2, 2, "list_contains({0}, {1})"),
	"array_position": f(2, 2, "coalesce(list_position({0}, {1}), 0)"), "array_distinct": f(1, 1, "@array_distinct({0})"),
	"array_max": f(1, 1, "list_max({0})"), "array_min": f(1, 1, "list_min({0})"),
	"array_sort": f(1, 1, "list_sort({0}, 'ASC', 'NULLS LAST')"), "array_remove": f(2, 2, "list_filter({0}, tl_x -> tl_x <> {1})"),
	"array_union":     f(2, 2, "@array_distinct(list_concat({0}, {1}))"),
	"array_intersect": f(2, 2, "list_filter(@array_distinct({0}), tl_x -> list_contains({1}, tl_x))"),
	"array_except":    f(2, 2, "list_filter(@array_distinct({0}), tl_x -> NOT list_contains({1}, tl_x))"),
	"arrays_overlap":  f(2, 2, "list_has_any({0}, {1})"), "flatten": f(1, 1, "flatten({0})"),
	"sequence": {min: 2, max: 3, custom: sequence}, "slice": f(3, 3, "list_slice({0}, {1}, {1} + {2} - 1)"),
	"transform": f(2, 2, "list_transform({0}, {1})"), "filter": f(2, 2, "list_filter({0}, {1})"),
	"reduce":     f(4, 4, "list_transform([list_reduce({0}, {2}, {1})], {3})[1]"),
	"any_match":  f(2, 2, "list_bool_or(list_transform({0}, {1}))"),
	"all_match":  f(2, 2, "coalesce(list_bool_and(list_transform({0}, {1})), true)"),
	"none_match": f(2, 2, "NOT coalesce(list_bool_or(list_transform({0}, {1})), false)"),
	"repeat":     f(2, 2, "list_transform(range({1}), tl_i -> {0})"),
	"map":        f(0, 2, ""), "map_keys": f(1, 1, "map_keys({0})"), "map_values": f(1, 1, "map_values({0})"),
	"map_from_entries": f(1, 1, "map_from_entries({0})"), "map_concat": f(2, -1, "map_concat({*})"),
}

// notEmulated are Trino functions the local Athena does not run yet: they fail with NOT_SUPPORTED,
// naming the function, rather than run with DuckDB's meaning.
var notEmulated = map[string]bool{}

func init() {
	for _, n := range strings.Fields(`approx_set merge numeric_histogram reduce_agg multimap_agg set_agg set_union
		checksum listagg bitwise_and_agg bitwise_or_agg bitwise_xor_agg classify evaluate_classifier_predictions
		learn_classifier learn_regressor tdigest_agg qdigest_agg value_at_quantile values_at_quantiles
		map_filter transform_keys transform_values map_zip_with zip zip_with combinations ngrams shuffle
		array_cum_sum trim_array array_histogram array_top_n contains_sequence
		format format_number from_base to_base normalize luhn_check word_stem soundex
		url_extract_host url_extract_path url_extract_port url_extract_protocol url_extract_query
		url_extract_fragment url_extract_parameter url_encode url_decode regexp_position
		json_array_contains json_value json_query json_exists json_object json_array
		parse_datetime parse_duration human_readable_seconds to_milliseconds from_unixtime_nanos
		timezone_hour timezone_minute with_timezone current_time localtime localtimestamp current_timestamp
		typeof uuid crc32 xxhash64 murmur3 spooky_hash_v2_32 spooky_hash_v2_64 sha512 hmac_md5 hmac_sha1
		hmac_sha256 hmac_sha512 from_big_endian_32 from_big_endian_64 to_big_endian_32 to_big_endian_64
		bitwise_and bitwise_or bitwise_xor bitwise_not bit_count bitwise_left_shift bitwise_right_shift
		beta_cdf inverse_beta_cdf normal_cdf inverse_normal_cdf wilson_interval_lower wilson_interval_upper
		cosine_similarity from_iso8601_timestamp_nanos date_format_tz to_char to_date to_timestamp
		st_point st_geometryfromtext st_distance st_contains st_astext bing_tile hamming
		split_to_map split_to_multimap strrev levenshtein`) {
		notEmulated[n] = true
	}
	functions["replace"] = fnSpec{min: 2, max: 3, custom: replace}
	functions["regexp_replace"] = fnSpec{min: 2, max: 3, custom: regexpReplace}
	functions["array_join"] = fnSpec{min: 2, max: 3, custom: arrayJoin}
	functions["map"] = fnSpec{min: 0, max: 2, custom: mapFn}
	for n := range functions {
		delete(notEmulated, n)
	}
}

// functionKind is "aggregate", "window" or "scalar", as SHOW FUNCTIONS says.
func functionKind(name string) string {
	switch name {
	case "count", "count_if", "sum", "avg", "min", "max", "min_by", "max_by", "arbitrary", "any_value", "array_agg",
		"bool_and", "bool_or", "every", "stddev", "stddev_samp", "stddev_pop", "variance", "var_samp", "var_pop", "corr",
		"covar_samp", "covar_pop", "regr_slope", "regr_intercept", "geometric_mean", "kurtosis", "skewness",
		"approx_distinct", "approx_percentile", "approx_most_frequent", "histogram", "map_agg":
		return "aggregate"
	case "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead", "first_value",
		"last_value", "nth_value":
		return "window"
	}
	return "scalar"
}

// AllowList returns the names of the Trino functions the local Athena runs, sorted.
func AllowList() []string {
	var out []string
	for n := range functions {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// failMark starts a string that a macro casts to INTEGER to fail with an error of Trino's that try()
// catches (DuckDB's try() refuses error(), a volatile function): 'tl_fail:TYPE:message'. Only as a
// CASE branch of its own: DuckDB folds a constant cast nested deeper, and fails, before choosing.
const failMark = "tl_fail:"

// notSupportedMark starts the message of a macro's error() that the local Athena reports as
// NOT_SUPPORTED: a case it cannot answer as Athena does.
const notSupportedMark = "Not supported by the local Athena: "

// macros define, in DuckDB, the Trino functions whose semantics DuckDB's built-ins do not have.
var macros = []string{
	// NULL when the pattern does not match (DuckDB gives '')
	`regexp_extract(s, p, g := 0) AS CASE WHEN regexp_matches(s, p) THEN regexp_extract(s, p, g) END`,
	// NULL past the last field (DuckDB gives '')
	`split_part(s, d, i) AS CASE WHEN i <= 0 THEN error('Index must be greater than zero') WHEN i <= len(string_split(s, d)) THEN split_part(s, d, i) END`,
	// empty from position 0 (DuckDB starts at the first character)
	`substr(s, st, n := NULL) AS CASE WHEN st = 0 THEN '' WHEN n IS NULL THEN substring(s, st) ELSE substring(s, st, n) END`,
	// NULL for objects and arrays (DuckDB gives their JSON text)
	`json_extract_scalar(j, p) AS CASE WHEN json_type(CAST(j AS JSON), p) NOT IN ('OBJECT', 'ARRAY') THEN json_extract_string(CAST(j AS JSON), p) END`,
	`json_array_length(j) AS CASE WHEN json_type(CAST(j AS JSON)) = 'ARRAY' THEN CAST(json_array_length(CAST(j AS JSON)) AS BIGINT) END`,
	`json_size(j, p) AS CASE json_type(CAST(j AS JSON), p) WHEN 'ARRAY' THEN CAST(json_array_length(CAST(j AS JSON), p) AS BIGINT) WHEN 'OBJECT' THEN CAST(len(json_keys(CAST(j AS JSON), p)) AS BIGINT) WHEN NULL THEN NULL ELSE 0 END`,
	// arrays and maps alike
	`cardinality(x) AS CAST(json_array_length(to_json(x)) + len(json_keys(to_json(x))) AS BIGINT)`,
	// first occurrences, in order (DuckDB's list_distinct drops NULLs and order)
	`array_distinct(a) AS list_filter(a, (x, i) -> list_position(a, x) = i OR (x IS NULL AND list_position(list_transform(a, y -> y IS NULL), true) = i))`,
	`approx_most_frequent(k, v, c) AS map_from_entries(list_transform(list_slice(list_reverse_sort(list_transform(map_entries(histogram(v)), e -> struct_pack(n := e.value, k := e.key))), 1, k), e -> struct_pack(key := e.k, value := CAST(e.n AS BIGINT))))`,
	`width_bucket(x, lo, hi, n) AS CAST(CASE WHEN x < lo THEN 0 WHEN x >= hi THEN n + 1 ELSE floor((x - lo) / (hi - lo) * n) + 1 END AS BIGINT)`,
	`random(n := NULL) AS CASE WHEN n IS NULL THEN random() ELSE CAST(floor(random() * n) AS BIGINT) END`,
	`to_iso8601(x) AS CASE WHEN typeof(x) = 'DATE' THEN strftime(x, '%Y-%m-%d') WHEN typeof(x) LIKE 'TIMESTAMP WITH%' THEN strftime(x, '%Y-%m-%dT%H:%M:%S.%gZ') ELSE strftime(x, '%Y-%m-%dT%H:%M:%S.%g') END`,
	// exact for perfect cubes, as Java's Math.cbrt
	`cbrt(x) AS CASE WHEN pow(round(cbrt(x)), 3) = x THEN round(cbrt(x)) ELSE cbrt(x) END`,
	`at_timezone(x, z) AS timezone(z, CAST(x AS TIMESTAMPTZ))`,
	// a[i] of an array fails outside 1..cardinality (DuckDB gives NULL, and counts negative indexes
	// from the end); element_at fails on 0 and is NULL past either end. Maps pass through.
	`subscript(a, i) AS CASE WHEN i IS NOT NULL AND json_type(to_json(a)) = 'ARRAY' AND TRY_CAST(i AS BIGINT) < 1 THEN error(CASE WHEN TRY_CAST(i AS BIGINT) = 0 THEN 'SQL array indices start at 1' ELSE 'Array subscript is negative: ' || CAST(i AS VARCHAR) END) WHEN i IS NOT NULL AND json_type(to_json(a)) = 'ARRAY' AND TRY_CAST(i AS BIGINT) > json_array_length(to_json(a)) THEN error('Array subscript must be less than or equal to array length: ' || CAST(i AS VARCHAR) || ' > ' || CAST(json_array_length(to_json(a)) AS VARCHAR)) ELSE a[i] END`,
	`element_at(a, i) AS CASE WHEN json_type(to_json(a)) = 'ARRAY' AND TRY_CAST(i AS BIGINT) = 0 THEN error('SQL array indices start at 1') WHEN json_type(to_json(a)) = 'ARRAY' AND abs(TRY_CAST(i AS BIGINT)) > json_array_length(to_json(a)) THEN NULL ELSE a[i] END`,
	// of strings only (Trino's reverses arrays and varbinary too)
	`reverse(x) AS CASE WHEN typeof(x) NOT IN ('VARCHAR', '"NULL"') THEN error('` + notSupportedMark + `reverse of ' || typeof(x) || ': only of strings') ELSE reverse(CAST(x AS VARCHAR)) END`,
	// a timestamp in UTC; one with another offset fails (Trino keeps the offset, DuckDB would not)
	`from_iso8601_timestamp(s) AS CASE WHEN regexp_matches(s, 'T[0-9:.,]*[+-][0-9]{2}(:?[0-9]{2})?$') AND NOT regexp_matches(s, '[+-]00(:?00)?$') THEN error('` + notSupportedMark + `from_iso8601_timestamp of a time with an offset other than UTC: ' || s) ELSE CAST(s AS TIMESTAMPTZ) END`,
	// the right operand of / and %: an exact zero fails, as Trino's integer and decimal division does
	// (DuckDB gives NULL); a floating-point zero, where Trino gives Infinity or NaN and DuckDB NULL,
	// fails as not supported (but gives NULL inside try(), which catches the failure)
	`divisor(x) AS CASE WHEN x = 0 AND typeof(x) NOT IN ('DOUBLE', 'FLOAT') THEN CAST('` + failMark + ErrDivisionByZero + `:Division by zero' AS INTEGER) WHEN x = 0 THEN CAST('` + failMark + ErrNotSupported + `:floating-point division by zero (Athena gives Infinity or NaN)' AS INTEGER) ELSE x END`,
}

// nullStrict is greatest/least with Trino's NULL rule: NULL when any argument is NULL.
func nullStrict(name string) func(*translator, int, []*builder, [][2]int) (*builder, error) {
	return func(_ *translator, pos int, args []*builder, _ [][2]int) (*builder, error) {
		var tpl strings.Builder
		tpl.WriteString("(CASE WHEN ")
		for i := range args {
			if i > 0 {
				tpl.WriteString(" OR ")
			}
			fmt.Fprintf(&tpl, "{%d} IS NULL", i)
		}
		tpl.WriteString(" THEN NULL ELSE " + name + "({*}) END)")
		if len(args) > 10 {
			return nil, &QueryError{Type: ErrNotSupported, Message: name + " of more than 10 arguments"}
		}
		return expand(tpl.String(), pos, args), nil
	}
}

// concat is Trino's: NULL when any argument is NULL (DuckDB's concat skips NULLs); arrays concatenate.
func concat(_ *translator, pos int, args []*builder, _ [][2]int) (*builder, error) {
	out := &builder{}
	out.emit("(", pos)
	for i, a := range args {
		if i > 0 {
			out.emit(" || ", pos)
		}
		out.add(a)
	}
	out.emit(") ", pos)
	return out, nil
}

func replace(_ *translator, pos int, args []*builder, _ [][2]int) (*builder, error) {
	if len(args) == 2 {
		return expand("replace({0}, {1}, '')", pos, args), nil
	}
	return expand("replace({0}, {1}, {2})", pos, args), nil
}

// regexpReplace replaces every match, and reads Trino's $1 group references.
func regexpReplace(tr *translator, pos int, args []*builder, spans [][2]int) (*builder, error) {
	if len(args) == 2 {
		return expand("regexp_replace({0}, {1}, '', 'g')", pos, args), nil
	}
	if r, ok := tr.literalArg(spans, 2); ok {
		var b strings.Builder
		for i := 0; i < len(r); i++ {
			switch {
			case r[i] == '\\' && i+1 < len(r):
				b.WriteString(r[i : i+2])
				i++
			case r[i] == '$' && i+1 < len(r) && isDigit(r[i+1]):
				b.WriteByte('\\')
			default:
				b.WriteByte(r[i])
			}
		}
		lit := &builder{}
		lit.emit(quoteLiteral(b.String()), tr.toks[spans[2][0]].pos)
		args[2] = lit
		return expand("regexp_replace({0}, {1}, {2}, 'g')", pos, args), nil
	}
	return expand("regexp_replace({0}, {1}, regexp_replace({2}, '\\$(\\d)', '\\\\\\1', 'g'), 'g')", pos, args), nil
}

// sequence steps by -1 when it counts down and no step is given, as Trino's does. Of integers, and of
// timestamps with an interval step; dates fail, since DuckDB's series of dates are timestamps.
func sequence(_ *translator, pos int, args []*builder, _ [][2]int) (*builder, error) {
	const ints = "('TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', '\"NULL\"')"
	if len(args) == 2 {
		return expand("(CASE WHEN typeof({0}) NOT IN "+ints+" OR typeof({1}) NOT IN "+ints+
			" THEN error('"+notSupportedMark+"sequence(start, stop) of ' || typeof({0}) || ' and ' || typeof({1}) || ': only of integers')"+
			" ELSE generate_series(CAST(CAST({0} AS VARCHAR) AS BIGINT), CAST(CAST({1} AS VARCHAR) AS BIGINT), CASE WHEN {0} <= {1} THEN 1 ELSE -1 END) END)", pos, args), nil
	}
	return expand("(CASE WHEN typeof({0}) = 'DATE' OR typeof({1}) = 'DATE'"+
		" THEN error('"+notSupportedMark+"sequence of dates') ELSE generate_series({0}, {1}, {2}) END)", pos, args), nil
}

func arrayJoin(_ *translator, pos int, args []*builder, _ [][2]int) (*builder, error) {
	if len(args) == 2 {
		return expand("array_to_string(list_filter(list_transform({0}, tl_x -> CAST(tl_x AS VARCHAR)), tl_x -> tl_x IS NOT NULL), {1})", pos, args), nil
	}
	return expand("array_to_string(list_transform({0}, tl_x -> coalesce(CAST(tl_x AS VARCHAR), {2})), {1})", pos, args), nil
}

func mapFn(_ *translator, pos int, args []*builder, _ [][2]int) (*builder, error) {
	switch len(args) {
	case 0:
		return expand("MAP {}", pos, args), nil
	case 2:
		return expand("map({0}, {1})", pos, args), nil
	}
	return nil, &QueryError{Type: ErrFunctionMissing, Message: "Unexpected parameters for function map. Expected: map(), map(array(K), array(V))"}
}

// units are the units of date_add, date_diff and date_trunc.
var units = map[string]string{"millisecond": "MILLISECOND", "second": "SECOND", "minute": "MINUTE", "hour": "HOUR",
	"day": "DAY", "week": "WEEK", "month": "MONTH", "quarter": "QUARTER", "year": "YEAR"}

// unitArg reads a unit argument, which must be a literal for the local engine.
func (tr *translator) unitArg(fn string, pos int, spans [][2]int) (string, error) {
	u, ok := tr.literalArg(spans, 0)
	if !ok {
		return "", errAt(ErrNotSupported, tr.src, pos, "%s with a unit that is not a string literal", fn)
	}
	if _, ok := units[strings.ToLower(u)]; !ok {
		return "", errAt(ErrInvalidFunction, tr.src, tr.toks[spans[0][0]].pos, "'%s' is not a valid Timestamp field", u)
	}
	return strings.ToLower(u), nil
}

// isDate reports whether the argument is plainly a date (a DATE literal, current_date, date(...),
// CAST(... AS DATE), from_iso8601_date(...)): Trino's date arithmetic on a date gives a date.
func (tr *translator) isDate(span [2]int) bool {
	t := tr.toks[span[0]]
	n := span[1] - span[0]
	switch {
	case n == 1 && t.is("current_date"):
		return true
	case n == 2 && t.is("DATE") && tr.toks[span[0]+1].kind == tkString:
		return true
	case (t.is("date") || t.is("from_iso8601_date") || t.is("last_day_of_month")) && tr.toks[span[0]+1].is("(") && tr.match[span[0]+1] == span[1]-1:
		return true
	case (t.is("CAST") || t.is("TRY_CAST")) && tr.toks[span[0]+1].is("(") && tr.match[span[0]+1] == span[1]-1:
		return tr.toks[span[1]-2].is("DATE") && tr.toks[span[1]-3].is("AS")
	}
	return false
}

func dateAdd(tr *translator, pos int, args []*builder, spans [][2]int) (*builder, error) {
	u, err := tr.unitArg("date_add", pos, spans)
	if err != nil {
		return nil, err
	}
	n, unit := "{1}", units[u]
	switch u {
	case "week":
		n, unit = "({1}) * 7", "DAY"
	case "quarter":
		n, unit = "({1}) * 3", "MONTH"
	}
	tpl := "({2} + INTERVAL (" + n + ") " + unit + ")"
	if tr.isDate(spans[2]) {
		if unit == "HOUR" || unit == "MINUTE" || unit == "SECOND" || unit == "MILLISECOND" {
			return nil, errAt(ErrInvalidFunction, tr.src, pos, "'%s' is not a valid DATE field", u)
		}
		tpl = "CAST(" + tpl + " AS DATE)"
	}
	return expand(tpl, pos, args), nil
}

func dateDiff(tr *translator, pos int, args []*builder, spans [][2]int) (*builder, error) {
	u, err := tr.unitArg("date_diff", pos, spans)
	if err != nil {
		return nil, err
	}
	// Trino counts whole units elapsed, as DuckDB's date_sub does (date_diff counts boundaries)
	return expand("date_sub('"+u+"', {1}, {2})", pos, args), nil
}

func dateTrunc(tr *translator, pos int, args []*builder, spans [][2]int) (*builder, error) {
	if _, err := tr.unitArg("date_trunc", pos, spans); err != nil {
		return nil, err
	}
	if tr.isDate(spans[1]) {
		return expand("CAST(date_trunc({0}, {1}) AS DATE)", pos, args), nil
	}
	return expand("date_trunc({0}, {1})", pos, args), nil
}

// mysqlSpecifiers maps the specifiers of Trino's date_format and date_parse (MySQL's) to strftime's.
var mysqlSpecifiers = map[byte]string{'a': "%a", 'b': "%b", 'c': "%-m", 'd': "%d", 'e': "%-d", 'f': "%f", 'H': "%H",
	'h': "%I", 'I': "%I", 'i': "%M", 'j': "%j", 'k': "%-H", 'l': "%-I", 'M': "%B", 'm': "%m", 'p': "%p",
	'r': "%I:%M:%S %p", 'S': "%S", 's': "%S", 'T': "%H:%M:%S", 'v': "%V", 'W': "%A", 'x': "%G", 'Y': "%Y",
	'y': "%y", '%': "%%"}

// mysqlFormat converts a MySQL-style format; Trino refuses %D %U %u %V %w %X, and so does this.
func mysqlFormat(f string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(f); i++ {
		if f[i] != '%' || i+1 >= len(f) {
			b.WriteByte(f[i])
			continue
		}
		i++
		if s, ok := mysqlSpecifiers[f[i]]; ok {
			b.WriteString(s)
			continue
		}
		switch f[i] {
		case 'D', 'U', 'u', 'V', 'w', 'X':
			return "", fmt.Errorf("%%%c not supported in date format string", f[i])
		}
		b.WriteByte(f[i])
	}
	return b.String(), nil
}

func dateFormat(parse bool) func(*translator, int, []*builder, [][2]int) (*builder, error) {
	return func(tr *translator, pos int, args []*builder, spans [][2]int) (*builder, error) {
		fn := "date_format"
		if parse {
			fn = "date_parse"
		}
		lit, ok := tr.literalArg(spans, 1)
		if !ok {
			return nil, errAt(ErrNotSupported, tr.src, pos, "%s with a format that is not a string literal", fn)
		}
		conv, err := mysqlFormat(lit)
		if err != nil {
			return nil, errAt(ErrInvalidFunction, tr.src, tr.toks[spans[1][0]].pos, "%s", err)
		}
		args[1] = &builder{}
		args[1].emit(quoteLiteral(conv), tr.toks[spans[1][0]].pos)
		if parse {
			return expand("strptime({0}, {1})", pos, args), nil
		}
		return expand("strftime({0}, {1})", pos, args), nil
	}
}

// jodaFormat is format_datetime: Joda-Time patterns, as Trino reads them.
func jodaFormat(tr *translator, pos int, args []*builder, spans [][2]int) (*builder, error) {
	lit, ok := tr.literalArg(spans, 1)
	if !ok {
		return nil, errAt(ErrNotSupported, tr.src, pos, "format_datetime with a format that is not a string literal")
	}
	var b strings.Builder
	for i := 0; i < len(lit); {
		c := lit[i]
		if c == '\'' {
			j := strings.IndexByte(lit[i+1:], '\'')
			if j < 0 {
				j = len(lit) - i - 1
			}
			if j == 0 {
				b.WriteByte('\'')
			}
			b.WriteString(strings.ReplaceAll(lit[i+1:i+1+j], "%", "%%"))
			i += j + 2
			continue
		}
		n := 1
		for i+n < len(lit) && lit[i+n] == c {
			n++
		}
		i += n
		switch {
		case c == 'y' || c == 'Y' || c == 'x':
			if n == 2 {
				b.WriteString("%y")
			} else {
				b.WriteString("%Y")
			}
		case c == 'M':
			b.WriteString(map[int]string{1: "%-m", 2: "%m", 3: "%b"}[min(n, 4)] + map[bool]string{true: "%B"}[n >= 4])
		case c == 'd':
			b.WriteString(map[bool]string{true: "%-d", false: "%d"}[n == 1])
		case c == 'H':
			b.WriteString(map[bool]string{true: "%-H", false: "%H"}[n == 1])
		case c == 'h':
			b.WriteString(map[bool]string{true: "%-I", false: "%I"}[n == 1])
		case c == 'm':
			b.WriteString(map[bool]string{true: "%-M", false: "%M"}[n == 1])
		case c == 's':
			b.WriteString(map[bool]string{true: "%-S", false: "%S"}[n == 1])
		case c == 'S':
			switch {
			case n == 3:
				b.WriteString("%g")
			case n == 6:
				b.WriteString("%f")
			default:
				return nil, errAt(ErrNotSupported, tr.src, pos, "format_datetime with %d fraction digits", n)
			}
		case c == 'a':
			b.WriteString("%p")
		case c == 'E':
			b.WriteString(map[bool]string{true: "%A", false: "%a"}[n >= 4])
		case c == 'D':
			b.WriteString("%j")
		case c == 'Z':
			b.WriteString("%z")
		case c == 'z':
			b.WriteString("%Z")
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			return nil, errAt(ErrNotSupported, tr.src, pos, "format_datetime pattern letter '%c'", c)
		default:
			b.WriteString(strings.Repeat(strings.ReplaceAll(string(c), "%", "%%"), n))
		}
	}
	args[1] = &builder{}
	args[1].emit(quoteLiteral(b.String()), tr.toks[spans[1][0]].pos)
	return expand("strftime({0}, {1})", pos, args), nil
}
