-- Athena (Trino) queries the local Athena must answer as Athena engine 3 does. Each entry starts with
-- "-- name:", then what it expects: "-- expect:" rows (cells split by " | ", NULL for null),
-- "-- columns:" the result's column names, "-- expect-rows: N", "-- expect-error:" the start of the
-- state change reason, or "-- expect-go:" a figure computed in Go from the fixture ticks
-- (athena_dialect_test.go). Literal results come from Trino's documentation and semantics.

-- name: integer division truncates
-- expect: 3 | -3 | 1 | -1
SELECT 7 / 2, -7 / 2, 7 % 3, -7 % 3

-- name: unaliased columns are _colN
-- columns: _col0, b, _col2
SELECT 1 + 1, 2 AS b, upper('x')

-- name: decimal and double literals
-- expect: 3.5 | 1.5 | 2.0 | 1.0E10
SELECT 7.0 / 2, 1.5, 2.0E0, 1e10

-- name: json_extract_scalar nested
-- expect: x
SELECT json_extract_scalar('{"store": {"book": [{"title": "x"}]}}', '$.store.book[0].title')

-- name: json_extract_scalar of an object is null
-- expect: NULL | 2
SELECT json_extract_scalar('{"a": {"b": 1}}', '$.a'), json_extract_scalar('{"a": [1, 2]}', '$.a[1]')

-- name: json_extract keeps json
-- expect: [1,2] | {"b":"x"}
SELECT json_extract('{"a": [1, 2]}', '$.a'), json_extract('{"a": {"b": "x"}}', '$.a')

-- name: json_parse canonical
-- expect: {"a":2,"b":1}
SELECT json_parse('{"b": 1, "a": 2}')

-- name: json_format
-- expect: [1,"a"]
SELECT json_format(json_parse('[1, "a"]'))

-- name: json_array_length
-- expect: 3 | NULL
SELECT json_array_length('[1, 2, 3]'), json_array_length('{"a": 1}')

-- name: json_size from the documentation
-- expect: 2 | 3 | 0
SELECT json_size('{"x": {"a": 1, "b": 2}}', '$.x'), json_size('{"x": [1, 2, 3]}', '$.x'), json_size('{"x": {"a": 1, "b": 2}}', '$.x.a')

-- name: json_array_get
-- expect: "a" | [3,9]
SELECT json_array_get('["a", [3, 9], "c"]', 0), json_array_get('["a", [3, 9], "c"]', 1)

-- name: is_json_scalar
-- expect: true | false
SELECT is_json_scalar('1'), is_json_scalar('[1, 2, 3]')

-- name: cast json to array
-- expect: a-b
SELECT array_join(CAST(json_parse('["a", "b"]') AS ARRAY(varchar)), '-')

-- name: date_format MySQL specifiers
-- expect: 10-20-2022 05
SELECT date_format(TIMESTAMP '2022-10-20 05:10:00', '%m-%d-%Y %H')

-- name: date_format names
-- expect: Thursday October 20 5 AM
SELECT date_format(TIMESTAMP '2022-10-20 05:10:00', '%W %M %e %l %p')

-- name: date_format minutes and seconds
-- expect: 05:10:07 | 05:10:07
SELECT date_format(TIMESTAMP '2022-10-20 05:10:07', '%H:%i:%s'), date_format(TIMESTAMP '2022-10-20 05:10:07', '%T')

-- name: date_parse
-- expect: 2022-10-20 05:00:00.000
SELECT date_parse('2022/10/20/05', '%Y/%m/%d/%H')

-- name: format_datetime Joda pattern
-- expect: 2022-10-20T05:10 | 2022-10-20 05:10:00.123
SELECT format_datetime(TIMESTAMP '2022-10-20 05:10:00', 'yyyy-MM-dd''T''HH:mm'), format_datetime(TIMESTAMP '2022-10-20 05:10:00.123', 'yyyy-MM-dd HH:mm:ss.SSS')

-- name: date_add minutes
-- expect: 2024-01-01 10:05:00.000
SELECT date_add('minute', 5, TIMESTAMP '2024-01-01 10:00:00')

-- name: date_add on a date stays a date
-- expect: 2020-03-16 | 2024-02-29 | 2024-01-08
SELECT date_add('day', 1, DATE '2020-03-15'), date_add('month', 1, DATE '2024-01-31'), date_add('week', -1, DATE '2024-01-15')

-- name: date_add quarter
-- expect: 2024-04-15 00:00:00.000
SELECT date_add('quarter', 1, TIMESTAMP '2024-01-15 00:00:00')

-- name: date_diff counts whole units
-- expect: 1 | 1 | 60
SELECT date_diff('hour', TIMESTAMP '2024-01-01 10:59:00', TIMESTAMP '2024-01-01 12:01:00'), date_diff('day', TIMESTAMP '2020-03-01 00:00:00', TIMESTAMP '2020-03-02 00:00:00'), date_diff('day', DATE '2024-01-01', DATE '2024-03-01')

-- name: date_trunc
-- expect: 2001-08-01 00:00:00.000 | 2001-08-22 03:00:00.000 | 2024-01-08
SELECT date_trunc('month', TIMESTAMP '2001-08-22 03:04:05.321'), date_trunc('hour', TIMESTAMP '2001-08-22 03:04:05.321'), date_trunc('week', DATE '2024-01-10')

-- name: from_unixtime
-- expect: 2023-11-14 22:13:20.000 UTC
SELECT from_unixtime(1700000000)

-- name: to_unixtime
-- expect: 1.7E9
SELECT to_unixtime(TIMESTAMP '2023-11-14 22:13:20')

-- name: from_iso8601_timestamp
-- expect: 2020-05-11 11:15:05.055 UTC
SELECT from_iso8601_timestamp('2020-05-11T11:15:05.055Z')

-- name: from_iso8601_date
-- expect: 2020-05-11
SELECT from_iso8601_date('2020-05-11')

-- name: to_iso8601
-- expect: 2020-05-11 | 2020-05-11T11:15:05.000
SELECT to_iso8601(DATE '2020-05-11'), to_iso8601(TIMESTAMP '2020-05-11 11:15:05')

-- name: at time zone then hour
-- expect: 18
SELECT hour(TIMESTAMP '2012-10-31 01:00 UTC' AT TIME ZONE 'America/Los_Angeles')

-- name: at_timezone function
-- expect: 9
SELECT hour(at_timezone(TIMESTAMP '2026-11-25 14:30:00', 'America/New_York'))

-- name: day_of_week Monday is 1
-- expect: 7 | 1 | 7
SELECT day_of_week(DATE '2024-01-07'), dow(DATE '2024-01-08'), EXTRACT(DOW FROM DATE '2024-01-07')

-- name: week and year_of_week are ISO
-- expect: 53 | 2020 | 1
SELECT week(DATE '2021-01-01'), year_of_week(DATE '2021-01-01'), week_of_year(DATE '2024-12-30')

-- name: calendar fields
-- expect: 2 | 61 | 2024 | 5 | 17
SELECT quarter(DATE '2024-05-01'), day_of_year(DATE '2024-03-01'), year(DATE '2024-05-17'), month(DATE '2024-05-17'), day(DATE '2024-05-17')

-- name: time fields
-- expect: 3 | 4 | 5 | 321
SELECT hour(TIMESTAMP '2001-08-22 03:04:05.321'), minute(TIMESTAMP '2001-08-22 03:04:05.321'), second(TIMESTAMP '2001-08-22 03:04:05.321'), millisecond(TIMESTAMP '2001-08-22 03:04:05.321')

-- name: last_day_of_month
-- expect: 2024-02-29
SELECT last_day_of_month(DATE '2024-02-10')

-- name: interval arithmetic
-- expect: 2024-01-02 00:00:00.000 | 2023-12-31 22:30:00.000
SELECT DATE '2024-01-01' + INTERVAL '1' DAY, TIMESTAMP '2024-01-01 00:00:00' - INTERVAL '90' MINUTE

-- name: regexp_like
-- expect: true | false
SELECT regexp_like('1a 2b 14m', '\d+b'), regexp_like('abc', '^b')

-- name: regexp_extract
-- expect: 1 | a | NULL
SELECT regexp_extract('1a 2b 14m', '\d+'), regexp_extract('1a 2b 14m', '(\d+)([a-z]+)', 2), regexp_extract('abc', 'x')

-- name: regexp_extract_all
-- expect: [1, 2, 14]
SELECT regexp_extract_all('1a 2b 14m', '\d+')

-- name: regexp_replace
-- expect: 14m | 3ca 3cb 14m
SELECT regexp_replace('1a 2b 14m', '\d+[ab] '), regexp_replace('1a 2b 14m', '(\d+)([ab]) ', '3c$2 ')

-- name: regexp_count
-- expect: 3
SELECT regexp_count('1a 2b 14m', '\s*[a-z]+\s*')

-- name: split and split_part
-- expect: [a, b, c] | b | NULL
SELECT split('a.b.c', '.'), split_part('a,b,c', ',', 2), split_part('a,b', ',', 3)

-- name: strpos and position
-- expect: 3 | 3 | 0
SELECT strpos('hello', 'l'), position('l' IN 'hello'), strpos('hello', 'z')

-- name: substr
-- expect: ello | ll | ell
SELECT substr('hello', 2), substr('hello', -3, 2), substring('hello', 2, 3)

-- name: concat propagates null
-- expect: abc | NULL | ab
SELECT concat('a', 'b', 'c'), concat('a', NULL), 'a' || 'b'

-- name: replace
-- expect: ac | axc
SELECT replace('abc', 'b'), replace('abc', 'b', 'x')

-- name: trims and case
-- expect: a | a | a | ABC | abc
SELECT trim('  a  '), ltrim('  a'), rtrim('a  '), upper('abc'), lower('ABC')

-- name: length and reverse
-- expect: 5 | cba
SELECT length('héllo'), reverse('abc')

-- name: pads
-- expect: 007 | 700 | ab
SELECT lpad('7', 3, '0'), rpad('7', 3, '0'), lpad('abc', 2, 'x')

-- name: starts_with chr codepoint
-- expect: true | A | 65
SELECT starts_with('abc', 'ab'), chr(65), codepoint('A')

-- name: distances
-- expect: 3 | 1
SELECT levenshtein_distance('kitten', 'sitting'), hamming_distance('abc', 'abd')

-- name: utf8 hex base64
-- expect: 6162 | x | aGVsbG8=
SELECT to_hex(to_utf8('ab')), from_utf8(to_utf8('x')), to_base64(to_utf8('hello'))

-- name: md5 is varbinary
-- expect: D41D8CD98F00B204E9800998ECF8427E | 0c c1 75 b9 c0 f1 b6 a8 31 c3 99 e2 69 77 26 61
SELECT to_hex(md5(to_utf8(''))), md5(to_utf8('a'))

-- name: math basics
-- expect: 5 | 2 | -2 | 3 | -3 | 1.23
SELECT abs(-5), ceil(1.2), floor(-1.5), round(2.5), round(-2.5), round(1.2345E0, 2)

-- name: math functions
-- expect: 1024.0 | 4.0 | 3.0 | 3.0 | 2.0 | 3.0
SELECT power(2, 10), sqrt(16), log2(8), cbrt(27.0), truncate(2.7E0), log(2, 8)

-- name: mod and sign
-- expect: -1 | -1 | 1
SELECT mod(-7, 3), sign(-3), sign(2)

-- name: width_bucket from the documentation
-- expect: 3
SELECT width_bucket(5.3, 0.2, 10.6, 5)

-- name: greatest and least are null-strict
-- expect: 3 | NULL | 1
SELECT greatest(1, 2, 3), least(1, NULL), least(1, 2)

-- name: special doubles
-- expect: Infinity | true | -Infinity | true
SELECT infinity(), is_nan(nan()), -infinity(), is_infinite(infinity())

-- name: if
-- expect: 1 | NULL | n
SELECT if(true, 1, 2), if(false, 1), if(1 < 0, 'y', 'n')

-- name: try and try_cast
-- expect: NULL | 12 | NULL
SELECT try(CAST('x' AS integer)), TRY_CAST('12' AS bigint), TRY_CAST('x' AS bigint)

-- name: coalesce nullif case
-- expect: x | NULL | b
SELECT coalesce(NULL, 'x'), nullif(1, 1), CASE WHEN 1 > 2 THEN 'a' ELSE 'b' END

-- name: casts to Trino types
-- expect: 12 | 1.23 | [1, 2] | {x=1, y=a}
SELECT CAST('12' AS integer), CAST(1.234 AS decimal(10, 2)), CAST(ARRAY[1, 2] AS array(varchar)), CAST(ROW(1, 'a') AS ROW(x integer, y varchar))

-- name: cardinality of an array
-- expect: 3
SELECT cardinality(ARRAY[1, 2, 3])

-- name: cardinality of a map
-- expect: 2
SELECT cardinality(map(ARRAY['a', 'b'], ARRAY[1, 2]))

-- name: element_at
-- expect: 2 | 3 | 9 | NULL
SELECT element_at(ARRAY[1, 2, 3], 2), element_at(ARRAY[1, 2, 3], -1), element_at(map(ARRAY['k'], ARRAY[9]), 'k'), element_at(ARRAY[1, 2, 3], 5)

-- name: array_join skips nulls
-- expect: 1,2 | a-x-c
SELECT array_join(ARRAY[1, NULL, 2], ','), array_join(ARRAY['a', NULL, 'c'], '-', 'x')

-- name: contains and array_position
-- expect: true | 2 | 0
SELECT contains(ARRAY[1, 2, 3], 2), array_position(ARRAY[10, 20], 20), array_position(ARRAY[10, 20], 30)

-- name: array_distinct keeps first occurrences
-- expect: [3, 1, null]
SELECT array_distinct(ARRAY[3, 1, 3, NULL, 1])

-- name: array_sort puts nulls last
-- expect: [1, 2, 3, null]
SELECT array_sort(ARRAY[3, NULL, 1, 2])

-- name: array max min
-- expect: 5 | 1
SELECT array_max(ARRAY[1, 5, 3]), array_min(ARRAY[1, 5, 3])

-- name: set operations on arrays
-- expect: [1, 2, 3] | [2] | [1]
SELECT array_union(ARRAY[1, 2], ARRAY[2, 3]), array_intersect(ARRAY[1, 2], ARRAY[2, 3]), array_except(ARRAY[1, 2], ARRAY[2, 3])

-- name: sequence counts down too
-- expect: [1, 2, 3, 4, 5] | [5, 4, 3, 2, 1] | [1, 3, 5]
SELECT sequence(1, 5), sequence(5, 1), sequence(1, 5, 2)

-- name: slice and flatten
-- expect: [2, 3] | [1, 2, 3]
SELECT slice(ARRAY[1, 2, 3, 4], 2, 2), flatten(ARRAY[ARRAY[1, 2], ARRAY[3]])

-- name: transform with a lambda
-- expect: [6, 7]
SELECT transform(ARRAY[5, 6], x -> x + 1)

-- name: filter with a lambda
-- expect: [5, 7]
SELECT filter(ARRAY[5, -6, NULL, 7], x -> x > 0)

-- name: reduce from the documentation
-- expect: 75 | 150
SELECT reduce(ARRAY[5, 20, 50], 0, (s, x) -> s + x, s -> s), reduce(ARRAY[5, 20, 50], 0, (s, x) -> s + x, s -> s * 2)

-- name: matches
-- expect: true | false | true
SELECT any_match(ARRAY[1, 2], x -> x > 1), all_match(ARRAY[1, 2], x -> x > 1), none_match(ARRAY[1, 2], x -> x > 5)

-- name: arrays_overlap and repeat
-- expect: true | [x, x, x]
SELECT arrays_overlap(ARRAY[1, 2], ARRAY[2, 9]), repeat('x', 3)

-- name: map constructor and accessors
-- expect: {1=2, 3=4} | [a] | [1]
SELECT map(ARRAY[1, 3], ARRAY[2, 4]), map_keys(map(ARRAY['a'], ARRAY[1])), map_values(map(ARRAY['a'], ARRAY[1]))

-- name: anonymous row
-- expect: {field0=1, field1=a}
SELECT ROW(1, 'a')

-- name: unnest
-- expect: 1
-- expect: 2
SELECT x FROM UNNEST(ARRAY[1, 2]) AS t(x) ORDER BY x

-- name: unnest with ordinality
-- expect: a | 1
-- expect: b | 2
SELECT x, n FROM UNNEST(ARRAY['a', 'b']) WITH ORDINALITY AS t(x, n) ORDER BY n

-- name: cross join unnest
-- expect: 1 | 10
-- expect: 1 | 20
SELECT a, x FROM (VALUES (1, ARRAY[10, 20])) AS v(a, arr) CROSS JOIN UNNEST(arr) AS t(x) ORDER BY x

-- name: values without parentheses
-- expect: 3
-- expect: 2
SELECT x FROM (VALUES 1, 2, 3) AS t(x) ORDER BY x DESC LIMIT 2

-- name: approx_distinct and approx_percentile
-- expect: 3 | 3
SELECT approx_distinct(x), approx_percentile(x, 0.5) FROM (VALUES 1, 2, 3, 3, 3) AS t(x)

-- name: approx_most_frequent
-- expect: {a=3, b=2}
SELECT approx_most_frequent(2, x, 10) FROM (VALUES 'a', 'b', 'a', 'c', 'a', 'b') AS t(x)

-- name: histogram
-- expect: 2 | 1
SELECT element_at(histogram(x), 'a'), element_at(histogram(x), 'b') FROM (VALUES 'a', 'b', 'a') AS t(x)

-- name: map_agg
-- expect: 1 | 2
SELECT element_at(map_agg(k, v), 'a'), element_at(map_agg(k, v), 'b') FROM (VALUES ('a', 1), ('b', 2)) AS t(k, v)

-- name: array_agg ordered
-- expect: [3, 2, 1]
SELECT array_agg(x ORDER BY x DESC) FROM (VALUES 1, 2, 3) AS t(x)

-- name: aggregate filter
-- expect: 2
SELECT count(*) FILTER (WHERE x > 1) FROM (VALUES 1, 2, 3) AS t(x)

-- name: boolean aggregates and count_if
-- expect: true | true | 2 | false
SELECT bool_and(x > 0), bool_or(x > 2), count_if(x > 1), every(x > 1) FROM (VALUES 1, 2, 3) AS t(x)

-- name: statistics
-- expect: 1.2909944487358056 | 1.6666666666666667 | 2.5 | 10 | 4 | 1
SELECT stddev(x), variance(x), avg(x), sum(x), min_by(x, -x), max_by(x, -x) FROM (VALUES 1, 2, 3, 4) AS t(x)

-- name: correlation and regression
-- expect: 1.0 | 2.0 | 0.0
SELECT corr(x, y), regr_slope(y, x), regr_intercept(y, x) FROM (VALUES (1, 2), (2, 4), (3, 6)) AS t(x, y)

-- name: window functions
-- expect: 1 | NULL | 2 | 1 | 1 | 1
-- expect: 2 | 1 | 3 | 1 | 1 | 3
-- expect: 3 | 2 | 0 | 1 | 2 | 6
SELECT x, lag(x) OVER (ORDER BY x), lead(x, 1, 0) OVER (ORDER BY x), first_value(x) OVER (ORDER BY x), ntile(2) OVER (ORDER BY x), sum(x) OVER (ORDER BY x) FROM (VALUES 1, 2, 3) AS t(x) ORDER BY x

-- name: ranking functions
-- expect: 1 | 1 | 1 | 0.0
-- expect: 2 | 2 | 2 | 0.5
-- expect: 2 | 3 | 2 | 0.5
SELECT x, row_number() OVER (ORDER BY x), rank() OVER (ORDER BY x), percent_rank() OVER (ORDER BY x) FROM (VALUES 1, 2, 2) AS t(x) ORDER BY 2

-- name: string literal quoting and quoted names
-- expect: it's | 1
SELECT 'it''s', "x" FROM (SELECT 1 AS x)

-- name: comments are ignored
-- expect: 1
SELECT /* a block */ 1 -- and a line

-- name: ticks per symbol
-- expect-go: count_by_symbol
SELECT symbol, count(*) AS n FROM ticks GROUP BY symbol ORDER BY symbol

-- name: ticks rows and symbols
-- expect-go: rows_and_symbols
SELECT count(*) AS n, approx_distinct(symbol) AS symbols FROM ticks

-- name: ticks vwap
-- expect-go: vwap
SELECT symbol, sum(price * size) / nullif(sum(size), 0) AS vwap FROM ticks GROUP BY symbol ORDER BY symbol

-- name: ticks per hour by date_format
-- expect-go: count_by_hour
SELECT date_format(ts, '%H') AS h, count(*) AS n FROM ticks GROUP BY 1 ORDER BY 1

-- name: ticks per partition
-- expect-go: count_by_hour
SELECT hour, count(*) AS n FROM ticks WHERE dt = '2026-11-25' GROUP BY hour ORDER BY hour

-- name: ticks day_of_week
-- expect-go: day_of_week
SELECT DISTINCT day_of_week(ts) AS d FROM ticks

-- name: ticks first and last
-- expect-go: first_last
SELECT min(ts) AS first_ts, max(ts) AS last_ts FROM ticks

-- name: ticks to_unixtime
-- expect-go: first_unixtime
SELECT to_unixtime(min(ts)) AS t FROM ticks

-- name: ticks from_unixtime round trip
-- expect-go: first_utc
SELECT from_unixtime(to_unixtime(min(ts))) AS t FROM ticks

-- name: ticks date_add
-- expect-go: first_plus_5m
SELECT date_add('minute', 5, min(ts)) AS t FROM ticks

-- name: ticks date_diff
-- expect-go: span_seconds
SELECT date_diff('second', min(ts), max(ts)) AS s FROM ticks

-- name: ticks per hour by date_trunc
-- expect-go: count_by_hour_trunc
SELECT date_trunc('hour', ts) AS h, count(*) AS n FROM ticks GROUP BY 1 ORDER BY 1

-- name: ticks format_datetime
-- expect-go: first_by_symbol_formatted
SELECT symbol, format_datetime(min(ts), 'yyyy-MM-dd HH:mm:ss.SSS') AS first_ts FROM ticks GROUP BY symbol ORDER BY symbol

-- name: ticks venues from json
-- expect-go: venues
SELECT json_extract_scalar(extra, '$.venue') AS venue, count(*) AS n FROM ticks GROUP BY 1 ORDER BY 1

-- name: ticks json tags
-- expect-go: tags
SELECT sum(json_array_length(json_extract(extra, '$.tags'))) AS tags FROM ticks

-- name: ticks json array contains
-- expect-go: tagged_a
SELECT count(*) AS n FROM ticks WHERE contains(CAST(json_extract(extra, '$.tags') AS ARRAY(varchar)), 'a')

-- name: ticks json boolean
-- expect-go: odd_lots
SELECT count_if(json_extract_scalar(extra, '$.lot.odd') = 'true') AS n FROM ticks

-- name: ticks missing quotes
-- expect-go: missing_quotes
SELECT count_if(bid IS NULL OR ask IS NULL) AS n FROM ticks

-- name: ticks open close
-- expect-go: open_close
SELECT symbol, min_by(price, ts) AS open, max_by(price, ts) AS close FROM ticks GROUP BY symbol ORDER BY symbol

-- name: ticks row_number
-- expect-go: spy_first3
SELECT kafka_offset, row_number() OVER (PARTITION BY symbol ORDER BY ts) AS rn FROM ticks WHERE symbol = 'SPY' ORDER BY ts LIMIT 3

-- name: ticks lag
-- expect-go: aapl_changes
SELECT price - lag(price) OVER (ORDER BY ts) AS change FROM ticks WHERE symbol = 'AAPL' ORDER BY ts LIMIT 3

-- name: ticks histogram
-- expect-go: aapl_count
SELECT element_at(histogram(symbol), 'AAPL') AS n FROM ticks

-- name: ticks array_agg
-- expect-go: symbols_array
SELECT array_sort(array_agg(DISTINCT symbol)) AS s FROM ticks

-- name: ticks regexp_like
-- expect-go: a_or_m
SELECT count(*) AS n FROM ticks WHERE regexp_like(symbol, '^[AM]')

-- name: ticks path pseudo-column
-- expect-go: paths
SELECT "$path" AS path, count(*) AS n FROM ticks GROUP BY 1 ORDER BY 1

-- name: ticks file size pseudo-column
-- expect-go: sizes
SELECT DISTINCT "$path", "$file_size" FROM ticks ORDER BY 1

-- name: ticks file modified time pseudo-column
-- expect-go: files
SELECT count(DISTINCT "$file_modified_time") > 0 AND count(DISTINCT "$path") = count(DISTINCT split_part("$path", '/', 7)) AS ok, count(DISTINCT "$path") AS files FROM ticks t

-- name: ticks partitions table
-- expect-go: partitions
SELECT dt, hour FROM "ticks$partitions" ORDER BY hour

-- name: ticks hour sizes
-- expect-go: size_by_hour
SELECT sum(size) AS volume FROM ticks WHERE dt = '2026-11-25' AND hour = '14'

-- name: ticks price range
-- expect-go: price_range
SELECT symbol, max(price) - min(price) AS price_range FROM ticks GROUP BY symbol ORDER BY symbol

-- name: ticks minute bars in a CTE
-- expect-go: minutes
WITH bars AS (SELECT symbol, date_trunc('minute', ts) AS m, count(*) AS n FROM ticks GROUP BY 1, 2) SELECT count(*) AS bars, sum(n) AS ticks FROM bars

-- name: ticks between timestamps
-- expect-go: hour14
SELECT count(*) AS n FROM ticks WHERE ts BETWEEN TIMESTAMP '2026-11-25 14:00:00' AND TIMESTAMP '2026-11-25 14:59:59.999'

-- name: ticks late
-- expect: 0
SELECT count(*) FROM ticks WHERE kafka_timestamp > ts + INTERVAL '1' MINUTE

-- name: ticks qualified by database
-- expect-go: rows
SELECT count(*) FROM ticklake.ticks

-- name: ticks integer average
-- expect-go: avg_size
SELECT symbol, sum(size) / count(*) AS avg_size FROM ticks GROUP BY symbol ORDER BY symbol

-- name: unknown function
-- expect-error: FUNCTION_NOT_FOUND: line 1:8: Function 'foo' not registered
SELECT foo(1)

-- name: unknown column
-- expect-error: COLUMN_NOT_FOUND: line 1:8: Column 'x' cannot be resolved or requester is not authorized to access requested resources
SELECT x FROM ticks

-- name: unknown table
-- expect-error: TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.ticklake.nope' does not exist
SELECT * FROM nope

-- name: unknown schema
-- expect-error: SCHEMA_NOT_FOUND: line 1:15: Schema 'nodb' does not exist
SELECT * FROM nodb.ticks

-- name: position on a later line
-- expect-error: FUNCTION_NOT_FOUND: line 2:3: Function 'nosuch' not registered
SELECT symbol,
  nosuch(price)
FROM ticks

-- name: column position on a later line
-- expect-error: COLUMN_NOT_FOUND: line 3:7: Column 'nosuch'
SELECT symbol
FROM ticks
WHERE nosuch = 1

-- name: wrong operand types
-- expect-error: TYPE_MISMATCH: line 1:12: Cannot apply operator: varchar
SELECT 'a' + 1

-- name: wrong argument types
-- expect-error: FUNCTION_NOT_FOUND: line 1:8: Unexpected parameters (varchar) for function abs
SELECT abs('a')

-- name: bad cast
-- expect-error: INVALID_CAST_ARGUMENT: line 1:8: Cannot cast 'abc' to INT
SELECT CAST('abc' AS integer)

-- name: a Trino function not emulated
-- expect-error: NOT_SUPPORTED: line 1:8: Function 'format' is not supported
SELECT format('%s', 1)

-- name: another Trino function not emulated
-- expect-error: NOT_SUPPORTED: line 1:8: Function 'url_extract_host' is not supported
SELECT url_extract_host('https://example.com/a')

-- name: DuckDB-only list_value
-- expect-error: FUNCTION_NOT_FOUND: line 1:8: Function 'list_value' not registered
SELECT list_value(1, 2)

-- name: DuckDB-only strftime
-- expect-error: FUNCTION_NOT_FOUND: line 1:8: Function 'strftime' not registered
SELECT strftime(TIMESTAMP '2024-01-01 00:00:00', 'x')

-- name: DuckDB-only epoch_ms
-- expect-error: FUNCTION_NOT_FOUND: line 1:8: Function 'epoch_ms' not registered
SELECT epoch_ms(TIMESTAMP '2024-01-01 00:00:00')

-- name: DuckDB-only epoch
-- expect-error: FUNCTION_NOT_FOUND: line 1:8: Function 'epoch' not registered
SELECT epoch(TIMESTAMP '2024-01-01 00:00:00')

-- name: DuckDB-only list_extract
-- expect-error: FUNCTION_NOT_FOUND: line 1:8: Function 'list_extract' not registered
SELECT list_extract('a')

-- name: DuckDB-only string_split
-- expect-error: FUNCTION_NOT_FOUND: line 1:8: Function 'string_split' not registered
SELECT string_split('a')

-- name: DuckDB-only regexp_matches
-- expect-error: FUNCTION_NOT_FOUND: line 1:8: Function 'regexp_matches' not registered
SELECT regexp_matches('a')

-- name: DuckDB-only struct_pack
-- expect-error: FUNCTION_NOT_FOUND: line 1:8: Function 'struct_pack' not registered
SELECT struct_pack('a')

-- name: DuckDB-only list_transform
-- expect-error: FUNCTION_NOT_FOUND: line 1:8: Function 'list_transform' not registered
SELECT list_transform('a')

-- name: DuckDB-only list_filter
-- expect-error: FUNCTION_NOT_FOUND: line 1:8: Function 'list_filter' not registered
SELECT list_filter('a')

-- name: DuckDB-only list_reduce
-- expect-error: FUNCTION_NOT_FOUND: line 1:8: Function 'list_reduce' not registered
SELECT list_reduce('a')

-- name: DuckDB-only list_sort
-- expect-error: FUNCTION_NOT_FOUND: line 1:8: Function 'list_sort' not registered
SELECT list_sort('a')

-- name: DuckDB-only strptime
-- expect-error: FUNCTION_NOT_FOUND: line 1:8: Function 'strptime' not registered
SELECT strptime('2024', 'x')

-- name: DuckDB-only isodow
-- expect-error: FUNCTION_NOT_FOUND: line 1:8: Function 'isodow' not registered
SELECT isodow(TIMESTAMP '2024-01-01 00:00:00')

-- name: DuckDB-only dayofweek
-- expect-error: FUNCTION_NOT_FOUND: line 1:8: Function 'dayofweek' not registered
SELECT dayofweek(TIMESTAMP '2024-01-01 00:00:00')

-- name: DuckDB-only json_extract_string
-- expect-error: FUNCTION_NOT_FOUND: line 1:8: Function 'json_extract_string' not registered
SELECT json_extract_string('a')

-- name: DuckDB-only len
-- expect-error: FUNCTION_NOT_FOUND: line 1:8: Function 'len' not registered
SELECT len('a')

-- name: DuckDB-only list_contains
-- expect-error: FUNCTION_NOT_FOUND: line 1:8: Function 'list_contains' not registered
SELECT list_contains('a')

-- name: DuckDB-only array_to_string
-- expect-error: FUNCTION_NOT_FOUND: line 1:8: Function 'array_to_string' not registered
SELECT array_to_string('a')

-- name: DuckDB-only string_agg
-- expect-error: FUNCTION_NOT_FOUND: line 1:8: Function 'string_agg' not registered
SELECT string_agg('a')

-- name: DuckDB-only datediff
-- expect-error: FUNCTION_NOT_FOUND: line 1:8: Function 'datediff' not registered
SELECT datediff('day', DATE '2024-01-01')

-- name: DuckDB-only date_part
-- expect-error: FUNCTION_NOT_FOUND: line 1:8: Function 'date_part' not registered
SELECT date_part('day', DATE '2024-01-01')

-- name: DuckDB-only generate_series
-- expect-error: FUNCTION_NOT_FOUND: line 1:8: Function 'generate_series' not registered
SELECT generate_series('a')

-- name: DuckDB-only list_concat
-- expect-error: FUNCTION_NOT_FOUND: line 1:8: Function 'list_concat' not registered
SELECT list_concat(1, 2)

-- name: DuckDB-only printf
-- expect-error: FUNCTION_NOT_FOUND: line 1:8: Function 'printf' not registered
SELECT printf('a')

-- name: DuckDB-only today
-- expect-error: FUNCTION_NOT_FOUND: line 1:8: Function 'today' not registered
SELECT today()

-- name: DuckDB-only md5_number
-- expect-error: FUNCTION_NOT_FOUND: line 1:8: Function 'md5_number' not registered
SELECT md5_number('a')

-- name: DuckDB-only array_length
-- expect-error: FUNCTION_NOT_FOUND: line 1:8: Function 'array_length' not registered
SELECT array_length('a')

-- name: DuckDB-only hash
-- expect-error: FUNCTION_NOT_FOUND: line 1:8: Function 'hash' not registered
SELECT hash('a')

-- name: DuckDB-only list_aggregate
-- expect-error: FUNCTION_NOT_FOUND: line 1:8: Function 'list_aggregate' not registered
SELECT list_aggregate('a')

-- name: one statement only
-- expect-error: SYNTAX_ERROR: line 1:9: mismatched input ';'
SELECT 1; SELECT 2

-- name: cast to and from json
-- expect: "abc" | [1,2] | x | 1.5
SELECT CAST('abc' AS JSON), CAST(ARRAY[1, 2] AS JSON), CAST(json_extract('{"a": "x"}', '$.a') AS varchar), CAST(json_extract('{"a": 1.5}', '$.a') AS varchar)

-- name: multiplicative operators associate left, signs and windows belong to the divisor
-- expect: 15 | -6 | 1 | 3
SELECT 10 / 2 * 3, 2 * 3 / -(1 + 0), 9 % 4 / 1, 7 / (1 + 1)

-- name: division by a window function
-- expect: NULL
-- expect: 2
-- expect: 2
SELECT x / lag(x) OVER (ORDER BY x) FROM (VALUES 1, 2, 4) AS t(x) ORDER BY x

-- name: integer division by zero fails
-- expect-error: DIVISION_BY_ZERO
SELECT 1 / 0

-- name: integer division by a zero column fails
-- expect-error: DIVISION_BY_ZERO
SELECT x / y FROM (VALUES (1, 0)) AS t(x, y)

-- name: decimal division by zero fails
-- expect-error: DIVISION_BY_ZERO
SELECT 1.0 / 0

-- name: remainder by zero fails
-- expect-error: DIVISION_BY_ZERO
SELECT 5 % 0

-- name: mod by zero fails
-- expect-error: DIVISION_BY_ZERO
SELECT mod(5, 0)

-- name: floating-point division by zero is not answered locally
-- expect-error: NOT_SUPPORTED: floating-point division by zero
SELECT 1e0 / 0e0

-- name: AT TIME ZONE outside a field function
-- expect-error: NOT_SUPPORTED: line 1:40: AT TIME ZONE outside a field function
SELECT TIMESTAMP '2026-01-01 12:00:00' AT TIME ZONE 'America/New_York'

-- name: from_iso8601_timestamp with an offset other than UTC
-- expect-error: NOT_SUPPORTED: from_iso8601_timestamp of a time with an offset other than UTC
SELECT from_iso8601_timestamp('2020-05-11T11:15:05+01:00')

-- name: sequence of dates
-- expect-error: NOT_SUPPORTED: sequence(start, stop) of DATE and DATE
SELECT sequence(DATE '2026-01-01', DATE '2026-01-03')

-- name: sequence of dates with a step
-- expect-error: NOT_SUPPORTED: sequence of dates
SELECT sequence(DATE '2026-01-01', DATE '2026-01-03', INTERVAL '1' DAY)

-- name: sequence of doubles
-- expect-error: NOT_SUPPORTED: sequence(start, stop) of DOUBLE and DOUBLE
SELECT sequence(1e0, 3e0)

-- name: sequence of timestamps
-- expect: [2026-01-01 00:00:00.000, 2026-01-01 01:00:00.000]
SELECT sequence(TIMESTAMP '2026-01-01 00:00:00', TIMESTAMP '2026-01-01 01:00:00', INTERVAL '1' HOUR)

-- name: reverse of an array is not answered locally
-- expect-error: NOT_SUPPORTED: reverse of INTEGER[]: only of strings
SELECT reverse(ARRAY[1, 2])

-- name: reverse of varbinary is not answered locally
-- expect-error: NOT_SUPPORTED: reverse of BLOB: only of strings
SELECT reverse(to_utf8('abc'))

-- name: reverse of NULL
-- expect: NULL
SELECT reverse(NULL)

-- name: substr from position 0 is empty
-- expect: 0 | bc | bc | b
SELECT length(substr('abc', 0)), substr('abc', 2), substring('abc', -2), substr('abc', 2, 1)

-- name: split_part of index 0 fails
-- expect-error: INVALID_FUNCTION_ARGUMENT
SELECT split_part('a,b', ',', 0)

-- name: json keeps <, > and &
-- expect: {"a":"<&>"}
SELECT json_parse('{"a": "<&>"}')

-- name: array subscripts within bounds
-- expect: 2 | 2 | a | NULL
SELECT ARRAY[1, 2][2], ARRAY[ARRAY[1, 2], ARRAY[3]][1][2], split('a.b', '.')[1], ARRAY[1, 2][NULL]

-- name: array subscript past the end fails
-- expect-error: INVALID_FUNCTION_ARGUMENT: Array subscript must be less than or equal to array length: 2 > 1
SELECT x[2] FROM (VALUES ARRAY[1, 2], ARRAY[3]) AS t(x)

-- name: array subscript 0 fails
-- expect-error: INVALID_FUNCTION_ARGUMENT: SQL array indices start at 1
SELECT ARRAY[1, 2][0]

-- name: negative array subscript fails
-- expect-error: INVALID_FUNCTION_ARGUMENT: Array subscript is negative: -1
SELECT ARRAY[1, 2][-1]

-- name: element_at past either end is null, from the end when negative
-- expect: NULL | 2 | NULL | 1
SELECT element_at(ARRAY[1, 2], 3), element_at(ARRAY[1, 2], -1), element_at(ARRAY[1, 2], -3), element_at(map(ARRAY['a'], ARRAY[1]), 'a')

-- name: element_at 0 fails
-- expect-error: INVALID_FUNCTION_ARGUMENT: SQL array indices start at 1
SELECT element_at(ARRAY[1, 2], 0)

-- name: casts to integers round half away from zero and read digits only
-- expect: 3 | -3 | 3 | -3 | 1 | 12 | NULL
SELECT CAST(2.5 AS integer), CAST(-2.5 AS integer), CAST(2.5e0 AS bigint), CAST(-2.5e0 AS bigint), CAST(0.5e0 AS bigint), CAST('12' AS integer), TRY_CAST('1.5' AS integer)

-- name: cast of a decimal string to an integer fails
-- expect-error: INVALID_CAST_ARGUMENT: line 1:8: Cannot cast '1.5' to INT
SELECT CAST('1.5' AS integer)

-- name: try catches division by zero and bad casts
-- expect: NULL | NULL | 3
-- expect: 2 | NULL | 3
SELECT try(x / y), try(CAST('1.5' AS integer)), try(6 / 2) FROM (VALUES (1, 0), (4, 2)) AS t(x, y) ORDER BY x

-- name: try of a constant division by zero
-- expect: NULL
SELECT try(1 / 0)
