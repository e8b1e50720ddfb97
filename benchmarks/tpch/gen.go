package tpch

import (
	"fmt"
	"slices"
)

// Dates as days since 1970-01-01.
const (
	startDate   = 8035  // 1992-01-01, the first order date
	endDate     = 10591 // 1998-12-31
	currentDate = 9298  // 1995-06-17, the specification's CURRENTDATE
	// Orders are dated up to endDate - 151 days (1998-08-02), so that every
	// line ships, is committed and is received by endDate.
	lastOrderDate = endDate - 151
)

// Index values of the dictionary columns whose values the generator derives
// (their order in dictLists).
const (
	returnFlagR, returnFlagN                 = 0, 2 // and 1 for "A"
	lineStatusO, lineStatusF                 = 0, 1
	orderStatusF, orderStatusO, orderStatusP = 0, 1, 2
)

// dictLists gives the values of every dictionary-encoded column; the
// generator stores an index into the list.
var dictLists = func() map[string][]string {
	var mfgrs, brands, types, containers []string
	for m := 1; m <= 5; m++ {
		mfgrs = append(mfgrs, fmt.Sprintf("Manufacturer#%d", m))
		for n := 1; n <= 5; n++ {
			brands = append(brands, fmt.Sprintf("Brand#%d%d", m, n))
		}
	}
	for _, a := range typeSyllable1 {
		for _, b := range typeSyllable2 {
			for _, c := range typeSyllable3 {
				types = append(types, a+" "+b+" "+c)
			}
		}
	}
	for _, a := range containerSyllable1 {
		for _, b := range containerSyllable2 {
			containers = append(containers, a+" "+b)
		}
	}
	return map[string][]string{
		"r_name":          regionNames,
		"n_name":          nationNames,
		"c_mktsegment":    segments,
		"p_mfgr":          mfgrs,
		"p_brand":         brands,
		"p_type":          types,
		"p_container":     containers,
		"o_orderstatus":   {"F", "O", "P"},
		"o_orderpriority": priorities,
		"l_returnflag":    {"R", "A", "N"},
		"l_linestatus":    {"O", "F"},
		"l_shipinstruct":  instructions,
		"l_shipmode":      shipModes,
	}
}()

// colBuf holds one column of a batch of rows, in the representation of its
// kind: i64 for kindInt64 and kindDecimal, i32 for kindInt32 and kindDate,
// data and ends (the end offset of each value in data) for kindString, idx
// (an index into the column's value list) for kindDict.
type colBuf struct {
	i64  []int64
	i32  []int32
	data []byte
	ends []int
	idx  []uint8
}

// appendString appends one string value.
func (c *colBuf) appendString(s []byte) {
	c.data = append(c.data, s...)
	c.ends = append(c.ends, len(c.data))
}

// endString ends a string value whose bytes were appended to data directly.
func (c *colBuf) endString() { c.ends = append(c.ends, len(c.data)) }

// batch is a set of rows of one table held column by column: what one row
// group of a file is built from.
type batch struct {
	def  *tableDef
	cols []colBuf
	rows int
}

func newBatch(def *tableDef) *batch {
	return &batch{def: def, cols: make([]colBuf, len(def.columns))}
}

// reset empties the batch, keeping its buffers.
func (b *batch) reset() {
	for i := range b.cols {
		c := &b.cols[i]
		c.i64, c.i32, c.data, c.ends, c.idx = c.i64[:0], c.i32[:0], c.data[:0], c.ends[:0], c.idx[:0]
	}
	b.rows = 0
}

// generator produces the rows of every table at one scale factor. It is
// read-only once made and shared by the workers.
type generator struct {
	scale
	text  textPool
	seeds [streamText + 1]uint64
}

func newGenerator(s scale, text textPool) *generator {
	g := &generator{scale: s, text: text}
	for st := streamRegion; st <= streamLineitem; st++ {
		g.seeds[st] = streamSeed(st, s.sf)
	}
	return g
}

// appendPadded appends n in decimal, left-padded with zeros to width digits.
func appendPadded(buf []byte, n int64, width int) []byte {
	var tmp [20]byte
	i := len(tmp)
	for n > 0 || i > len(tmp)-width {
		i--
		tmp[i] = byte('0' + n%10)
		n /= 10
	}
	return append(buf, tmp[i:]...)
}

// alphabet is the 64-character set of the random address strings.
const alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ, "

// appendVString appends a random string of random length in [lo, hi] drawn
// from alphabet (the specification's v-string).
func appendVString(buf []byte, r *rng, lo, hi int) []byte {
	n := int(r.between(int64(lo), int64(hi)))
	for n > 0 {
		bitsLeft := r.next()
		for k := 0; k < 10 && n > 0; k++ {
			buf = append(buf, alphabet[bitsLeft&63])
			bitsLeft >>= 6
			n--
		}
	}
	return buf
}

// appendPhone appends a phone number CC-LLL-LLL-LLLL whose country code is
// nationkey + 10.
func appendPhone(buf []byte, r *rng, nation int64) []byte {
	buf = appendPadded(buf, nation+10, 2)
	buf = append(buf, '-')
	buf = appendPadded(buf, r.between(100, 999), 3)
	buf = append(buf, '-')
	buf = appendPadded(buf, r.between(100, 999), 3)
	buf = append(buf, '-')
	return appendPadded(buf, r.between(1000, 9999), 4)
}

func (g *generator) genRegion(b *batch, start, end int64) {
	key, name, comment := &b.cols[0], &b.cols[1], &b.cols[2]
	for i := start; i < end; i++ {
		r := rowRNG(g.seeds[streamRegion], i)
		key.i64 = append(key.i64, i)
		name.idx = append(name.idx, uint8(i))
		comment.appendString(g.text.pick(&r, 31, 115))
	}
	b.rows += int(end - start)
}

func (g *generator) genNation(b *batch, start, end int64) {
	key, name, region, comment := &b.cols[0], &b.cols[1], &b.cols[2], &b.cols[3]
	for i := start; i < end; i++ {
		r := rowRNG(g.seeds[streamNation], i)
		key.i64 = append(key.i64, i)
		name.idx = append(name.idx, uint8(i))
		region.i64 = append(region.i64, nationRegions[i])
		comment.appendString(g.text.pick(&r, 31, 114))
	}
	b.rows += int(end - start)
}

// Supplier comments: per 10,000 suppliers, 5 get "Customer ... Complaints"
// and 5 "Customer ... Recommends" written over their comment (clause 4.2.3).
const (
	bbbPerTenThousand = 10
	bbbCustomer       = "Customer "
	bbbComplaints     = "Complaints"
	bbbRecommends     = "Recommends"
)

func (g *generator) genSupplier(b *batch, start, end int64) {
	key, name, addr, nation, phone, bal, comment :=
		&b.cols[0], &b.cols[1], &b.cols[2], &b.cols[3], &b.cols[4], &b.cols[5], &b.cols[6]
	for i := start; i < end; i++ {
		r := rowRNG(g.seeds[streamSupplier], i)
		k := i + 1
		key.i64 = append(key.i64, k)
		name.data = appendPadded(append(name.data, "Supplier#"...), k, 9)
		name.endString()
		addr.data = appendVString(addr.data, &r, 10, 40)
		addr.endString()
		n := int64(r.intn(25))
		nation.i64 = append(nation.i64, n)
		phone.data = appendPhone(phone.data, &r, n)
		phone.endString()
		bal.i64 = append(bal.i64, r.between(-99999, 999999))
		from := len(comment.data)
		comment.appendString(g.text.pick(&r, 25, 100))
		if r.intn(10000) < bbbPerTenThousand {
			last := bbbComplaints
			if r.intn(2) == 1 {
				last = bbbRecommends
			}
			c := comment.data[from:]
			fixed := len(bbbCustomer) + len(last)
			gap := int(r.intn(uint64(len(c) - fixed + 1)))
			pos := int(r.intn(uint64(len(c) - fixed - gap + 1)))
			copy(c[pos:], bbbCustomer)
			copy(c[pos+len(bbbCustomer)+gap:], last)
		}
	}
	b.rows += int(end - start)
}

func (g *generator) genCustomer(b *batch, start, end int64) {
	key, name, addr, nation, phone, bal, segment, comment :=
		&b.cols[0], &b.cols[1], &b.cols[2], &b.cols[3], &b.cols[4], &b.cols[5], &b.cols[6], &b.cols[7]
	for i := start; i < end; i++ {
		r := rowRNG(g.seeds[streamCustomer], i)
		k := i + 1
		key.i64 = append(key.i64, k)
		name.data = appendPadded(append(name.data, "Customer#"...), k, 9)
		name.endString()
		addr.data = appendVString(addr.data, &r, 10, 40)
		addr.endString()
		n := int64(r.intn(25))
		nation.i64 = append(nation.i64, n)
		phone.data = appendPhone(phone.data, &r, n)
		phone.endString()
		bal.i64 = append(bal.i64, r.between(-99999, 999999))
		segment.idx = append(segment.idx, uint8(r.intn(uint64(len(segments)))))
		comment.appendString(g.text.pick(&r, 29, 116))
	}
	b.rows += int(end - start)
}

func (g *generator) genPart(b *batch, start, end int64) {
	key, name, mfgr, brand, typ, size, container, price, comment :=
		&b.cols[0], &b.cols[1], &b.cols[2], &b.cols[3], &b.cols[4], &b.cols[5], &b.cols[6], &b.cols[7], &b.cols[8]
	for i := start; i < end; i++ {
		r := rowRNG(g.seeds[streamPart], i)
		k := i + 1
		key.i64 = append(key.i64, k)
		// Five distinct colors.
		var picked [5]uint8
		for w := 0; w < len(picked); {
			c := uint8(r.intn(uint64(len(colors))))
			if slices.Contains(picked[:w], c) {
				continue
			}
			picked[w] = c
			if w > 0 {
				name.data = append(name.data, ' ')
			}
			name.data = append(name.data, colors[c]...)
			w++
		}
		name.endString()
		m := uint8(r.intn(5))
		mfgr.idx = append(mfgr.idx, m)
		brand.idx = append(brand.idx, m*5+uint8(r.intn(5)))
		typ.idx = append(typ.idx, uint8(r.intn(150)))
		size.i32 = append(size.i32, int32(r.between(1, 50)))
		container.idx = append(container.idx, uint8(r.intn(40)))
		price.i64 = append(price.i64, retailPrice(k))
		comment.appendString(g.text.pick(&r, 5, 22))
	}
	b.rows += int(end - start)
}

func (g *generator) genPartsupp(b *batch, start, end int64) {
	part, supp, qty, cost, comment := &b.cols[0], &b.cols[1], &b.cols[2], &b.cols[3], &b.cols[4]
	for j := start; j < end; j++ {
		r := rowRNG(g.seeds[streamPartsupp], j)
		pk := j/4 + 1
		part.i64 = append(part.i64, pk)
		supp.i64 = append(supp.i64, g.partsuppSupplier(pk, j%4))
		qty.i32 = append(qty.i32, int32(r.between(1, 9999)))
		cost.i64 = append(cost.i64, r.between(100, 100000))
		comment.appendString(g.text.pick(&r, 49, 198))
	}
	b.rows += int(end - start)
}

// linesOfOrder draws the number of lines of an order: the first draw of the
// order's generator.
func linesOfOrder(r *rng) int64 { return 1 + int64(r.intn(7)) }

// genOrders generates the orders [start, end) into ob and their lines into
// lb; either may be nil when its table is not wanted. The order's total price
// and status derive from its lines, so lines are always drawn; a line's draws
// come from its own generator, seeded by order index*8 + line number.
func (g *generator) genOrders(ob, lb *batch, start, end int64) {
	orderSeed, lineSeed := g.seeds[streamOrders], g.seeds[streamLineitem]
	withOrders := g.customersWithOrders()
	var o [9]*colBuf
	var l [16]*colBuf
	if ob != nil {
		for i := range o {
			o[i] = &ob.cols[i]
		}
		ob.rows += int(end - start)
	}
	if lb != nil {
		for i := range l {
			l[i] = &lb.cols[i]
		}
	}
	for i := start; i < end; i++ {
		r := rowRNG(orderSeed, i)
		nlines := linesOfOrder(&r)
		okey := orderKey(i)
		cust := customerOfDraw(int64(r.intn(uint64(withOrders))))
		odate := int32(startDate + r.intn(lastOrderDate-startDate+1))
		prio := uint8(r.intn(uint64(len(priorities))))
		clerk := 1 + int64(r.intn(uint64(g.clerks)))

		var total int64 // in 1/10000 of a cent
		shipped := 0
		for ln := range nlines {
			lr := rowRNG(lineSeed, i*8+ln)
			pk := 1 + int64(lr.intn(uint64(g.parts)))
			sk := g.partsuppSupplier(pk, int64(lr.intn(4)))
			qty := 1 + int64(lr.intn(50))
			disc := int64(lr.intn(11))
			tax := int64(lr.intn(9))
			ship := odate + 1 + int32(lr.intn(121))
			commit := odate + 30 + int32(lr.intn(61))
			receipt := ship + 1 + int32(lr.intn(30))
			flag := uint8(returnFlagN)
			if receipt <= currentDate {
				flag = uint8(returnFlagR + lr.intn(2)) // "R" or "A"
			}
			status := uint8(lineStatusO)
			if ship <= currentDate {
				status = lineStatusF
				shipped++
			}
			ext := qty * retailPrice(pk)
			total += ext * (100 - disc) * (100 + tax)
			if lb == nil {
				continue
			}
			l[0].i64 = append(l[0].i64, okey)
			l[1].i64 = append(l[1].i64, pk)
			l[2].i64 = append(l[2].i64, sk)
			l[3].i32 = append(l[3].i32, int32(ln+1))
			l[4].i64 = append(l[4].i64, qty*100)
			l[5].i64 = append(l[5].i64, ext)
			l[6].i64 = append(l[6].i64, disc)
			l[7].i64 = append(l[7].i64, tax)
			l[8].idx = append(l[8].idx, flag)
			l[9].idx = append(l[9].idx, status)
			l[10].i32 = append(l[10].i32, ship)
			l[11].i32 = append(l[11].i32, commit)
			l[12].i32 = append(l[12].i32, receipt)
			l[13].idx = append(l[13].idx, uint8(lr.intn(uint64(len(instructions)))))
			l[14].idx = append(l[14].idx, uint8(lr.intn(uint64(len(shipModes)))))
			l[15].appendString(g.text.pick(&lr, 10, 43))
		}
		if lb != nil {
			lb.rows += int(nlines)
		}
		if ob == nil {
			continue
		}
		ostatus := uint8(orderStatusP)
		switch int64(shipped) {
		case nlines:
			ostatus = orderStatusF
		case 0:
			ostatus = orderStatusO
		}
		o[0].i64 = append(o[0].i64, okey)
		o[1].i64 = append(o[1].i64, cust)
		o[2].idx = append(o[2].idx, ostatus)
		o[3].i64 = append(o[3].i64, (total+5000)/10000)
		o[4].i32 = append(o[4].i32, odate)
		o[5].idx = append(o[5].idx, prio)
		o[6].data = appendPadded(append(o[6].data, "Clerk#"...), clerk, 9)
		o[6].endString()
		o[7].i32 = append(o[7].i32, 0)
		o[8].appendString(g.text.pick(&r, 19, 78))
	}
}
