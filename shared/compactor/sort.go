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
	// The sort key packed in 64 bits when it fits (symbol rank, then ts, partition and offset, each
	// relative to its least value), sorted by an LSD radix sort: linear, whatever the input's order.
	minTS, maxTS := t.TS[keep[0]], t.TS[keep[0]]
	minP, maxP := t.KafkaPartition[keep[0]], t.KafkaPartition[keep[0]]
	minO, maxO := t.KafkaOffset[keep[0]], t.KafkaOffset[keep[0]]
	for _, i := range keep {
		minTS, maxTS = min(minTS, t.TS[i]), max(maxTS, t.TS[i])
		minP, maxP = min(minP, t.KafkaPartition[i]), max(maxP, t.KafkaPartition[i])
		minO, maxO = min(minO, t.KafkaOffset[i]), max(maxO, t.KafkaOffset[i])
	}
	oBits := bits.Len64(uint64(maxO - minO))
	pBits := bits.Len64(uint64(int64(maxP) - int64(minP)))
	tBits := bits.Len64(uint64(maxTS - minTS))
	sBits := bits.Len32(uint32(len(used) - 1))
	if maxTS-minTS < 0 || maxO-minO < 0 || oBits+pBits+tBits+sBits > 64 {
		return sortByCompare(t, keep, rank)
	}
	keys := make([]uint64, len(keep))
	for k, i := range keep {
		keys[k] = uint64(rank[t.Symbol[i]])<<(tBits+pBits+oBits) | uint64(t.TS[i]-minTS)<<(pBits+oBits) |
			uint64(int64(t.KafkaPartition[i])-int64(minP))<<oBits | uint64(t.KafkaOffset[i]-minO)
	}
	return radixSort(keys, keep, oBits+pBits+tBits+sBits)
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

// radixDigit is the radix sort's digit width: 2,048 counters fit in the first-level cache.
const radixDigit = 11

// radixSort sorts keys, whose set bits are among the low width bits, and idx with them, stably, and
// returns idx sorted (in idx's memory or in a new slice).
func radixSort(keys []uint64, idx []int32, width int) []int32 {
	passes := (width + radixDigit - 1) / radixDigit
	if passes == 0 || len(keys) < 2 {
		return idx
	}
	counts := make([][1 << radixDigit]int, passes)
	for _, k := range keys {
		for p := range passes {
			counts[p][k>>(p*radixDigit)&(1<<radixDigit-1)]++
		}
	}
	tmpK := make([]uint64, len(keys))
	tmpI := make([]int32, len(idx))
	for p := range passes {
		c := &counts[p]
		if c[keys[0]>>(p*radixDigit)&(1<<radixDigit-1)] == len(keys) {
			continue // every key has this digit: the pass would not move anything
		}
		sum := 0
		for d := range c {
			c[d], sum = sum, sum+c[d]
		}
		shift := p * radixDigit
		for j, k := range keys {
			d := k >> shift & (1<<radixDigit - 1)
			tmpK[c[d]], tmpI[c[d]] = k, idx[j]
			c[d]++
		}
		keys, tmpK = tmpK, keys
		idx, tmpI = tmpI, idx
	}
	return idx
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
