package tick

import (
	"encoding/binary"
	"sync/atomic"
	"time"
)

// ParseRFC3339Micros parses an RFC 3339 timestamp (YYYY-MM-DDTHH:MM:SS, an optional fraction of up to
// nine digits, then Z or a ±HH:MM offset) to microseconds since the Unix epoch, UTC. Digits past the
// microsecond are truncated. It reports false for anything else, including impossible dates.
func ParseRFC3339Micros(b []byte) (int64, bool) {
	minute, ok := parseMinute(b)
	if !ok {
		return 0, false
	}
	rest, ok := parseSeconds(b)
	return minute*1_000_000 + rest, ok
}

// parseMinute reads the YYYY-MM-DDTHH:MM: that starts an RFC 3339 timestamp of at least 20 bytes, as
// seconds since the Unix epoch.
func parseMinute(b []byte) (int64, bool) {
	if len(b) < 20 || b[4] != '-' || b[7] != '-' || (b[10] != 'T' && b[10] != 't') || b[13] != ':' || b[16] != ':' {
		return 0, false
	}
	year, ok1 := digits(b[0:4])
	month, ok2 := digits(b[5:7])
	day, ok3 := digits(b[8:10])
	hour, ok4 := digits(b[11:13])
	minute, ok5 := digits(b[14:16])
	if !(ok1 && ok2 && ok3 && ok4 && ok5) ||
		month < 1 || month > 12 || day < 1 || day > daysIn(month, year) || hour > 23 || minute > 59 {
		return 0, false
	}
	return days(year, month, day)*86400 + int64(hour*3600+minute*60), true
}

// parseSeconds reads the rest of an RFC 3339 timestamp whose minute parseMinute read: the seconds,
// the fraction and the zone, as microseconds to add to the minute's.
func parseSeconds(b []byte) (int64, bool) {
	sec, ok := digits(b[17:19])
	if !ok || sec > 59 {
		return 0, false
	}
	i := 19
	var frac int64
	if b[i] == '.' {
		i++
		start := i
		scale := int64(100000)
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			if scale > 0 {
				frac += int64(b[i]-'0') * scale
				scale /= 10
			}
			i++
		}
		if i == start || i-start > 9 {
			return 0, false
		}
	}
	if i >= len(b) {
		return 0, false
	}
	var offset int64
	switch b[i] {
	case 'Z', 'z':
		i++
	case '+', '-':
		if len(b)-i != 6 || b[i+3] != ':' {
			return 0, false
		}
		oh, okh := digits(b[i+1 : i+3])
		om, okm := digits(b[i+4 : i+6])
		if !okh || !okm || oh > 23 || om > 59 {
			return 0, false
		}
		offset = int64(oh*3600 + om*60)
		if b[i] == '-' {
			offset = -offset
		}
		i += 6
	default:
		return 0, false
	}
	if i != len(b) {
		return 0, false
	}
	return (int64(sec)-offset)*1_000_000 + frac, true
}

// minuteCache remembers the latest timestamp's minute (its first 17 bytes) and its seconds since the
// epoch: a batch's ticks share a few minutes, so most timestamps parse from their seconds on.
type minuteCache struct {
	lo, hi uint64 // bytes 0 to 15 of the timestamp
	secs   int64
	ok     bool
}

// parse is ParseRFC3339Micros through the cache.
func (c *minuteCache) parse(b []byte) (int64, bool) {
	if len(b) < 20 {
		return 0, false
	}
	lo, hi := binary.LittleEndian.Uint64(b), binary.LittleEndian.Uint64(b[8:])
	if !c.ok || lo != c.lo || hi != c.hi || b[16] != ':' {
		secs, ok := parseMinute(b)
		if !ok {
			return 0, false
		}
		*c = minuteCache{lo: lo, hi: hi, secs: secs, ok: true}
	}
	rest, ok := parseSeconds(b)
	return c.secs*1_000_000 + rest, ok
}

// AppendRFC3339Micros appends the UTC timestamp us (microseconds since the epoch) as
// YYYY-MM-DDTHH:MM:SS.ffffffZ.
func AppendRFC3339Micros(dst []byte, us int64) []byte {
	return time.UnixMicro(us).UTC().AppendFormat(dst, "2006-01-02T15:04:05.000000Z07:00")
}

func digits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// lastDay caches the latest date's day number: a batch's ticks share a few dates.
var lastDay atomic.Pointer[dayCache]

type dayCache struct {
	y, m, d int
	days    int64
}

func days(y, m, d int) int64 {
	if c := lastDay.Load(); c != nil && c.y == y && c.m == m && c.d == d {
		return c.days
	}
	n := daysFromCivil(y, m, d)
	lastDay.Store(&dayCache{y, m, d, n})
	return n
}

// daysFromCivil returns the days since 1970-01-01 of a proleptic Gregorian date.
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}
