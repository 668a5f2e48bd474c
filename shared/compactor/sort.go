package compactor

import (
	"cmp"
	"math/bits"
	"slices"

	"github.com/ticklake/ticklake/shared/tickparquet"
)

// DedupeSort keeps one row of each (kafka_partition, kafka_offset), the first in t, and returns the
// kept rows' indices sorted by symbol, ts, kafka_partition, kafka_offset: the order EncodeTable
// writes them in.
//
// The sort is the package's own (a radix sort of packed keys, below) for a measured reason: on one
// hour of 360,000 ticks at the tuned batching, dedupe and sort take about 18 ms of CPU time, where
// slices.SortFunc over the row indices, comparing symbol, ts, partition and offset, takes 200 to
// 300 ms (BenchmarkDedupeSort against that comparison, 2026-11-30), more than the rest of compaction
// together. TestDedupeSort checks it against a map and a stable comparison sort.
func DedupeSort(t *tickparquet.Table) []int32 {
	keep := dedupe(t.KafkaPartition, t.KafkaOffset)
	if len(keep) == 0 {
		return keep
	}
	// Each symbol's rank in sorted order, for the symbols the rows use.
	rank := make([]int32, len(t.Strings))
	for i := range rank {
		rank[i] = -1
	}
	var used []int32
	last := int32(-1)
	for _, id := range t.Symbol {
		if id != last && rank[id] < 0 {
			rank[id] = 0
			used = append(used, id)
		}
		last = id
	}
	slices.SortFunc(used, func(a, b int32) int { return cmp.Compare(t.Strings[a], t.Strings[b]) })
	for r, id := range used {
		rank[id] = int32(r)
	}
	// The sort key packed in 64 bits when it fits (symbol rank, then ts relative to the least, then
	// the row's index), sorted on its rank and ts bits by an LSD radix sort: linear, whatever the
	// input's order. Rows of one symbol and ts, which are few, are then ordered by partition and
	// offset.
	minTS, maxTS := t.TS[keep[0]], t.TS[keep[0]]
	for _, i := range keep {
		minTS, maxTS = min(minTS, t.TS[i]), max(maxTS, t.TS[i])
	}
	iBits := bits.Len32(uint32(t.Len() - 1))
	tBits := bits.Len64(uint64(maxTS - minTS))
	sBits := bits.Len32(uint32(len(used) - 1))
	if maxTS-minTS < 0 || iBits+tBits+sBits > 64 {
		return sortByCompare(t, keep, rank)
	}
	keys := make([]uint64, len(keep))
	sym, ts := t.Symbol, t.TS
	// The radix sort takes at most two digits, the key's highest bits; keys equal in those (ticks of
	// a symbol a few milliseconds apart, which are few) are then sorted among themselves.
	total := iBits + tBits + sBits
	from := max(iBits, total-2*radixDigit)
	r := newRadix(from, total)
	for k, i := range keep {
		key := (uint64(rank[sym[i]])<<tBits|uint64(ts[i]-minTS))<<iBits | uint64(i)
		keys[k] = key
		r.count(key)
	}
	keys = r.sort(keys)
	if from > iBits {
		for a := 0; a < len(keys); {
			b := a + 1
			for b < len(keys) && keys[b]>>from == keys[a]>>from {
				b++
			}
			if b-a > 1 {
				slices.Sort(keys[a:b])
			}
			a = b
		}
	}
	mask := uint64(1)<<iBits - 1
	start, prev := 0, keys[0]>>iBits
	for k, key := range keys {
		keep[k] = int32(key & mask)
		if key>>iBits != prev {
			sortTies(t, keep[start:k])
			start, prev = k, key>>iBits
		}
	}
	sortTies(t, keep[start:])
	return keep
}

// sortTies orders rows of one symbol and ts by partition and offset.
func sortTies(t *tickparquet.Table, rows []int32) {
	if len(rows) > 1 {
		slices.SortFunc(rows, func(x, y int32) int {
			return cmp.Or(cmp.Compare(t.KafkaPartition[x], t.KafkaPartition[y]), cmp.Compare(t.KafkaOffset[x], t.KafkaOffset[y]))
		})
	}
}

// sortByCompare sorts the rows idx by symbol rank, ts, partition and offset with comparisons: for keys
// too wide to pack in 64 bits.
func sortByCompare(t *tickparquet.Table, idx []int32, rank []int32) []int32 {
	slices.SortFunc(idx, func(a, b int32) int {
		return cmp.Or(cmp.Compare(rank[t.Symbol[a]], rank[t.Symbol[b]]), cmp.Compare(t.TS[a], t.TS[b]),
			cmp.Compare(t.KafkaPartition[a], t.KafkaPartition[b]), cmp.Compare(t.KafkaOffset[a], t.KafkaOffset[b]))
	})
	return idx
}

// radixDigit bounds the radix sort's digit width: 2^radixDigit destinations written at once stay
// within the caches.
const radixDigit = 11

// radix is an LSD radix sort of uint64 keys by their bits [from, to): count each key, then sort.
type radix struct {
	from, passes, digit int
	mask                uint64
	counts              []uint32 // passes tables of 2^digit counters
}

func newRadix(from, to int) *radix {
	passes := (to - from + radixDigit - 1) / radixDigit
	r := &radix{from: from, passes: passes}
	if passes > 0 {
		r.digit = (to - from + passes - 1) / passes
		r.mask = uint64(1)<<r.digit - 1
		r.counts = make([]uint32, passes<<r.digit)
	}
	return r
}

// count adds key to the digit counts; every key sorted must be counted once.
func (r *radix) count(key uint64) {
	key >>= r.from
	for p := range r.passes {
		r.counts[p<<r.digit+int(key>>(p*r.digit)&r.mask)]++
	}
}

// sort sorts keys, stably, and returns them sorted (in keys' memory or in a new slice).
func (r *radix) sort(keys []uint64) []uint64 {
	if r.passes == 0 || len(keys) < 2 {
		return keys
	}
	tmp := make([]uint64, len(keys))
	for p := range r.passes {
		c := r.counts[p<<r.digit : (p+1)<<r.digit]
		shift := r.from + p*r.digit
		if int(c[keys[0]>>shift&r.mask]) == len(keys) {
			continue // every key has this digit: the pass would not move anything
		}
		sum := uint32(0)
		for d := range c {
			c[d], sum = sum, sum+c[d]
		}
		mask := r.mask
		for _, k := range keys {
			d := k >> shift & mask
			tmp[c[d]] = k
			c[d]++
		}
		keys, tmp = tmp, keys
	}
	return keys
}

// dedupe returns the indices of the first row of each (kafka_partition, kafka_offset), in order.
// Offsets of a partition are dense, so a bitmap over each partition's range finds repeats in one pass.
func dedupe(parts []int32, offs []int64) []int32 {
	type span struct {
		lo, hi int64
		bits   []uint64
	}
	spans := map[int32]*span{}
	var s *span
	lastPart := int32(0)
	for i, p := range parts {
		if s == nil || p != lastPart {
			lastPart, s = p, spans[p]
			if s == nil {
				s = &span{lo: offs[i], hi: offs[i]}
				spans[p] = s
			}
		}
		s.lo, s.hi = min(s.lo, offs[i]), max(s.hi, offs[i])
	}
	for _, s := range spans {
		if uint64(s.hi-s.lo) > uint64(8*len(parts))+1<<20 { // sparse offsets: a set instead
			return dedupeSet(parts, offs)
		}
		s.bits = make([]uint64, (s.hi-s.lo)/64+1)
	}
	keep := make([]int32, 0, len(parts))
	s = nil
	for i, p := range parts {
		if s == nil || p != lastPart {
			lastPart, s = p, spans[p]
		}
		o := offs[i] - s.lo
		w, b := o/64, uint64(1)<<(o%64)
		if s.bits[w]&b != 0 {
			continue
		}
		s.bits[w] |= b
		keep = append(keep, int32(i))
	}
	return keep
}

func dedupeSet(parts []int32, offs []int64) []int32 {
	type pk struct {
		part int32
		off  int64
	}
	seen := make(map[pk]struct{}, len(parts))
	keep := make([]int32, 0, len(parts))
	for i := range parts {
		k := pk{parts[i], offs[i]}
		if _, ok := seen[k]; ok {
			continue
		}
		seen[k] = struct{}{}
		keep = append(keep, int32(i))
	}
	return keep
}
