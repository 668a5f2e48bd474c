// Package kafkaevent reads and writes the event that a Lambda event-source mapping for Amazon MSK (or
// self-managed Kafka) sends: {"eventSource":"aws:kafka","records":{"topic-partition":[...]}}, with
// base64 keys and values and headers as arrays of signed bytes. Parse is fast and strict: it decodes
// every key and value of a batch into one buffer.
package kafkaevent

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/ticklake/ticklake/shared/jsonscan"
)

// Source names of the event.
const (
	SourceMSK         = "aws:kafka"
	SourceSelfManaged = "SelfManagedKafka"
)

// Timestamp types of a record.
const (
	TimestampCreate    = "CREATE_TIME"
	TimestampLogAppend = "LOG_APPEND_TIME"
)

// Record is one Kafka record of the event, its key and value decoded from base64.
type Record struct {
	Topic     string
	Partition int32
	Offset    int64
	// Timestamp is the record's Kafka timestamp in milliseconds since the epoch.
	Timestamp     int64
	TimestampType string
	// Key and Value are nil when the record has none (a null key, a tombstone).
	Key, Value []byte
	Headers    []Header
}

// Header is one record header.
type Header struct {
	Key   string
	Value []byte
}

// Batch holds the records of one topic-partition, in offset order as the event lists them.
type Batch struct {
	Topic     string
	Partition int32
	Records   []Record
}

// Event is a whole aws:kafka event.
type Event struct {
	EventSource      string
	EventSourceARN   string
	BootstrapServers string
	Batches          []Batch
}

// ErrMalformed is returned by Parse for a payload that is not an aws:kafka event.
var ErrMalformed = errors.New("malformed aws:kafka event")

// Parse decodes payload. The records' keys, values and strings do not alias payload.
func Parse(payload []byte) (*Event, error) { return new(Parser).Parse(payload) }

// Parser parses events, reusing its buffers from one event to the next. A Parser is not safe for
// concurrent use.
type Parser struct {
	arena []byte
	all   []Record
}

// Parse decodes payload. The event returned, and its records' keys and values, stay valid until the
// next call; they do not alias payload.
func (pp *Parser) Parse(payload []byte) (*Event, error) {
	// One buffer for every key and value, and one backing array for every batch's records, sized by
	// quick upper bounds: base64 shrinks by a quarter, and each record is one object.
	if n := len(payload)*3/4 + 64; cap(pp.arena) < n {
		pp.arena = make([]byte, 0, n)
	}
	if n := len(payload) / 128; cap(pp.all) < n { // a record takes about a hundred bytes and more
		pp.all = make([]Record, 0, n)
	}
	p := parser{s: jsonscan.Scanner{B: payload}, arena: pp.arena[:0], all: pp.all[:0]}
	ev := &Event{}
	err := p.s.Object(func(key []byte, _ int) error {
		switch string(key) {
		case "eventSource":
			return p.str(&ev.EventSource)
		case "eventSourceArn":
			return p.str(&ev.EventSourceARN)
		case "bootstrapServers":
			return p.str(&ev.BootstrapServers)
		case "records":
			return p.records(ev)
		}
		return p.skip()
	})
	if cap(p.all) > cap(pp.all) { // keep what the records grew to
		pp.all = p.all[:0]
	}
	if err == nil {
		p.s.WS()
		if p.s.I != len(payload) {
			err = p.errorf("unexpected data after the event")
		}
	}
	if err != nil {
		if errors.Is(err, jsonscan.ErrSyntax) || errors.Is(err, jsonscan.ErrTooDeep) {
			return nil, fmt.Errorf("%w: %v at byte %d", ErrMalformed, err, p.s.I)
		}
		return nil, err
	}
	if ev.EventSource != SourceMSK && ev.EventSource != SourceSelfManaged {
		return nil, fmt.Errorf("%w: eventSource is %q, want %q", ErrMalformed, ev.EventSource, SourceMSK)
	}
	return ev, nil
}

// parser is the state of one Parse.
type parser struct {
	s     jsonscan.Scanner
	arena []byte
	// last topic string, reused while it repeats, and its JSON form
	topic, quotedTopic string
	all                []Record
	// the records object's keys so far, to refuse a repeated one
	keys [][]byte
}

func (p *parser) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s at byte %d", ErrMalformed, fmt.Sprintf(format, args...), p.s.I)
}

func (p *parser) skip() error { return p.s.Skip() }

func (p *parser) rawString() ([]byte, error) {
	raw, esc, ok := p.s.String()
	if !ok {
		return nil, p.errorf("expected a string")
	}
	if esc {
		raw = jsonscan.Unescape(raw)
	}
	if !utf8.Valid(raw) { // as encoding/json reads it: each invalid byte becomes U+FFFD
		var out []byte
		for len(raw) > 0 {
			r, n := utf8.DecodeRune(raw)
			out = utf8.AppendRune(out, r)
			raw = raw[n:]
		}
		raw = out
	}
	return raw, nil
}

func (p *parser) str(dst *string) error {
	if p.s.Literal("null") {
		return nil
	}
	raw, err := p.rawString()
	*dst = string(raw)
	return err
}

func (p *parser) records(ev *Event) error {
	p.keys = p.keys[:0]
	return p.s.Object(func(key []byte, _ int) error {
		for _, k := range p.keys { // few batches: a scan beats a map
			if bytes.Equal(k, key) {
				return p.errorf("records key %q appears twice", key)
			}
		}
		p.keys = append(p.keys, key)
		b := Batch{Partition: -1}
		start := len(p.all)
		err := p.s.Array(func() error {
			p.all = append(p.all, Record{})
			r := &p.all[len(p.all)-1]
			if arena := len(p.arena); !p.fastRecord(r) {
				p.arena = p.arena[:arena] // what a failed fast read decoded
				var err error
				if *r, err = p.record(); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if len(p.all) > start {
			b.Records = p.all[start:len(p.all):len(p.all)]
		}
		if len(b.Records) > 0 {
			b.Topic, b.Partition = b.Records[0].Topic, b.Records[0].Partition
			if want := b.Topic + "-" + strconv.Itoa(int(b.Partition)); string(key) != want {
				return p.errorf("records key %q holds the records of %s", key, want)
			}
		} else if topic, part, ok := splitTopicPartition(string(key)); ok {
			b.Topic, b.Partition = topic, part
		}
		for _, r := range b.Records {
			if r.Topic != b.Topic || r.Partition != b.Partition {
				return p.errorf("records of %q hold %s-%d", key, r.Topic, r.Partition)
			}
		}
		ev.Batches = append(ev.Batches, b)
		return nil
	})
}

func splitTopicPartition(key string) (string, int32, bool) {
	for i := len(key) - 1; i > 0; i-- {
		if key[i] == '-' {
			n, err := strconv.ParseInt(key[i+1:], 10, 32)
			return key[:i], int32(n), err == nil
		}
	}
	return "", 0, false
}

// recordKeys are a record's member names in the order the event-source mapping writes them.
var recordKeys = jsonscan.NewKeys("topic", "partition", "offset", "timestamp", "timestampType", "key", "value", "headers")

func (p *parser) record() (Record, error) {
	r := Record{Partition: -1, Offset: -1}
	var seenTopic bool
	err := p.s.ObjectKeys(recordKeys, func(key []byte, _ int) error {
		switch string(key) {
		case "topic":
			if p.topic == "" || !p.s.Literal(p.quotedTopic) { // records of a batch repeat their topic
				raw, err := p.rawString()
				if err != nil {
					return err
				}
				if string(raw) != p.topic {
					p.topic = string(raw)
					p.quotedTopic = string(jsonscan.AppendString(nil, p.topic))
				}
			}
			r.Topic, seenTopic = p.topic, true
		case "partition":
			n, ok := p.s.Int()
			if !ok || n < 0 || n > 1<<31-1 {
				return p.errorf("partition must be a non-negative 32-bit integer")
			}
			r.Partition = int32(n)
		case "offset":
			n, ok := p.s.Int()
			if !ok || n < 0 {
				return p.errorf("offset must be a non-negative integer")
			}
			r.Offset = n
		case "timestamp":
			n, ok := p.s.Int()
			if !ok {
				return p.errorf("timestamp must be an integer")
			}
			r.Timestamp = n
		case "timestampType":
			if p.s.Literal(`"` + TimestampCreate + `"`) {
				r.TimestampType = TimestampCreate
				return nil
			}
			raw, err := p.rawString()
			switch string(raw) {
			case TimestampCreate:
				r.TimestampType = TimestampCreate
			case TimestampLogAppend:
				r.TimestampType = TimestampLogAppend
			default:
				r.TimestampType = string(raw)
			}
			return err
		case "key":
			v, err := p.base64()
			r.Key = v
			return err
		case "value":
			v, err := p.base64()
			r.Value = v
			return err
		case "headers":
			r.Headers = nil // a repeated member replaces the earlier one, as encoding/json reads it
			return p.headers(&r)
		default:
			return p.skip()
		}
		return nil
	})
	if err != nil {
		return r, err
	}
	if !seenTopic || r.Topic == "" || r.Partition < 0 || r.Offset < 0 {
		return r, p.errorf("record without topic, partition or offset")
	}
	return r, nil
}

// base64 decodes a base64 string into the arena; null gives nil.
func (p *parser) base64() ([]byte, error) {
	if p.s.Literal("null") {
		return nil, nil
	}
	if !p.s.Consume('"') {
		return nil, p.errorf("expected a base64 string")
	}
	src := p.s.B[p.s.I:]
	// The decoded bytes take at most three quarters of the rest of the payload, and the decoder
	// writes up to 8 bytes past them. Parse sizes the arena for the whole payload, so this holds.
	if room := len(src)*3/4 + 8; cap(p.arena)-len(p.arena) < room {
		// Earlier records keep the old buffer; the new one serves the records to come.
		p.arena = make([]byte, 0, 2*cap(p.arena)+room)
	}
	start := len(p.arena)
	n, end, ok := decodeBase64String(p.arena[start:cap(p.arena)], src)
	if !ok {
		return p.escapedBase64()
	}
	p.s.I += end + 1
	p.arena = p.arena[:start+n]
	return p.arena[start : start+n : start+n], nil
}

// escapedBase64 decodes the base64 string after the opening quote at the scanner that the one-pass
// decoder refused, as encoding/json and encoding/base64 read it: JSON escapes (\/, \u0041) undone,
// escaped line breaks skipped. An event-source mapping writes none; anything else is refused.
func (p *parser) escapedBase64() ([]byte, error) {
	p.s.I-- // back to the opening quote
	raw, esc, ok := p.s.String()
	if !ok || !esc {
		return nil, p.errorf("bad base64 string")
	}
	text := jsonscan.Unescape(raw)
	out := make([]byte, base64.StdEncoding.DecodedLen(len(text)))
	n, err := strictBase64.Decode(out, text)
	if err != nil {
		return nil, p.errorf("bad base64 string: %v", err)
	}
	return out[:n:n], nil
}

// strictBase64 also refuses non-zero padding bits, which an encoder never writes.
var strictBase64 = base64.StdEncoding.Strict()

func (p *parser) headers(r *Record) error {
	if p.s.Literal("null") {
		return nil
	}
	return p.s.Array(func() error {
		return p.s.Object(func(key []byte, _ int) error {
			h := Header{Key: string(key)}
			err := p.s.Array(func() error {
				n, ok := p.s.Int()
				if !ok || n < -128 || n > 127 {
					return p.errorf("header bytes must be integers from -128 to 127")
				}
				h.Value = append(h.Value, byte(n))
				return nil
			})
			r.Headers = append(r.Headers, h)
			return err
		})
	})
}

// Append writes ev as an aws:kafka event payload, exactly as the event-source mapping does.
func Append(dst []byte, ev *Event) []byte {
	dst = append(dst, `{"eventSource":`...)
	dst = jsonscan.AppendString(dst, ev.EventSource)
	dst = append(dst, `,"eventSourceArn":`...)
	dst = jsonscan.AppendString(dst, ev.EventSourceARN)
	dst = append(dst, `,"bootstrapServers":`...)
	dst = jsonscan.AppendString(dst, ev.BootstrapServers)
	dst = append(dst, `,"records":{`...)
	for i, b := range ev.Batches {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = jsonscan.AppendString(dst, b.Topic+"-"+strconv.Itoa(int(b.Partition)))
		dst = append(dst, ":["...)
		for j := range b.Records {
			if j > 0 {
				dst = append(dst, ',')
			}
			dst = appendRecord(dst, &b.Records[j])
		}
		dst = append(dst, ']')
	}
	return append(dst, "}}"...)
}

// AppendCoordinates opens a JSON object with a record's topic, partition, offset and timestamp, as
// the event writes them; the caller adds members and closes it.
func AppendCoordinates(dst []byte, r *Record) []byte {
	dst = append(dst, `{"topic":`...)
	dst = jsonscan.AppendString(dst, r.Topic)
	dst = append(dst, `,"partition":`...)
	dst = strconv.AppendInt(dst, int64(r.Partition), 10)
	dst = append(dst, `,"offset":`...)
	dst = strconv.AppendInt(dst, r.Offset, 10)
	dst = append(dst, `,"timestamp":`...)
	return strconv.AppendInt(dst, r.Timestamp, 10)
}

func appendRecord(dst []byte, r *Record) []byte {
	dst = AppendCoordinates(dst, r)
	dst = append(dst, `,"timestampType":`...)
	dst = jsonscan.AppendString(dst, r.TimestampType)
	if r.Key != nil {
		dst = append(dst, `,"key":"`...)
		dst = base64.StdEncoding.AppendEncode(dst, r.Key)
		dst = append(dst, '"')
	}
	if r.Value != nil {
		dst = append(dst, `,"value":"`...)
		dst = base64.StdEncoding.AppendEncode(dst, r.Value)
		dst = append(dst, '"')
	}
	dst = append(dst, `,"headers":[`...)
	for i, h := range r.Headers {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '{')
		dst = jsonscan.AppendString(dst, h.Key)
		dst = append(dst, ":["...)
		for j, c := range h.Value {
			if j > 0 {
				dst = append(dst, ',')
			}
			dst = strconv.AppendInt(dst, int64(int8(c)), 10)
		}
		dst = append(dst, "]}"...)
	}
	return append(dst, "]}"...)
}
