package tpch

import (
	"math"
	"math/bits"
)

// The pseudo-random numbers: a splitmix64 sequence per row. Every row of every
// table starts its own sequence from a seed mixed out of the table's stream
// (which mixes in the scale factor) and the row's number, so a row's values do
// not depend on which rows were generated before it, nor on how rows are
// split into files and row groups.

const (
	golden    = 0x9e3779b97f4a7c15 // splitmix64's increment
	rowStride = 0xd1b54a32d192ed03 // an odd constant spreading row numbers
	// baseSeed is the seed of the whole dataset. It was picked among a few
	// so that every query has a non-empty answer at scale factor 0.01 too
	// (Q18 finds about 0.6 qualifying orders per 0.01 of scale on average).
	baseSeed = 0x7063682d67656e37
)

// Stream identifiers: one per table, and one for the text pool.
const (
	streamRegion uint64 = iota + 1
	streamNation
	streamSupplier
	streamCustomer
	streamPart
	streamPartsupp
	streamOrders
	streamLineitem
	streamText
)

// mix64 is splitmix64's output function, a bijection on uint64 with good
// avalanche.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// streamSeed returns the seed of a table's stream at a scale factor.
func streamSeed(stream uint64, sf float64) uint64 {
	return mix64(baseSeed ^ mix64(stream*golden) ^ mix64(math.Float64bits(sf)))
}

// rng is a splitmix64 generator. The zero value is usable but every use here
// seeds it with rowRNG.
type rng struct{ s uint64 }

// rowRNG returns the generator of one row of a stream.
func rowRNG(seed uint64, row int64) rng {
	return rng{s: mix64(seed + uint64(row)*rowStride)}
}

// next returns the next 64 random bits.
func (r *rng) next() uint64 {
	r.s += golden
	return mix64(r.s)
}

// intn returns a uniform number in [0, n); n must be > 0.
func (r *rng) intn(n uint64) uint64 {
	hi, _ := bits.Mul64(r.next(), n)
	return hi
}

// between returns a uniform number in [lo, hi]; lo <= hi.
func (r *rng) between(lo, hi int64) int64 {
	return lo + int64(r.intn(uint64(hi-lo)+1))
}
