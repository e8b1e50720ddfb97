package tpch

// The comments of every table are substrings of one pseudo-random text made of
// sentences of the specification's grammar (clause 4.2.2.13), as in dbgen: a
// comment of text[min, max] starts at a random offset of the text and has a
// random length in [min, max]. The LIKE patterns of the queries (Q13's
// '%special%requests%', ...) therefore match a realistic share of rows.

// textPoolSize is the size of the text the comments are cut from. dbgen uses
// 300 MB; a smaller pool changes how many distinct comments there are, not the
// frequency of words and phrases in them.
const textPoolSize = 16 << 20

// weighted is a word list with a lookup table for weighted picks: one entry
// per unit of weight, so a pick is one bounded random number and two loads.
type weighted struct {
	words [][]byte
	table []uint8
}

func newWeighted(list []wordWeight) weighted {
	w := weighted{words: make([][]byte, len(list))}
	for i, e := range list {
		w.words[i] = []byte(e.word)
		for range e.weight {
			w.table = append(w.table, uint8(i))
		}
	}
	return w
}

func (w *weighted) pick(r *rng) []byte {
	return w.words[w.table[r.intn(uint64(len(w.table)))]]
}

// grammar holds the weighted lists of the text grammar.
type grammar struct {
	nouns, verbs, adjectives, adverbs, prepositions, auxiliaries, terminators weighted
	sentences, nounPhrases, verbPhrases                                       weighted
}

func newGrammar() *grammar {
	return &grammar{
		nouns:        newWeighted(nouns),
		verbs:        newWeighted(verbs),
		adjectives:   newWeighted(adjectives),
		adverbs:      newWeighted(adverbs),
		prepositions: newWeighted(prepositions),
		auxiliaries:  newWeighted(auxiliaries),
		terminators:  newWeighted(terminators),
		sentences:    newWeighted(sentenceForms),
		nounPhrases:  newWeighted(nounPhraseForms),
		verbPhrases:  newWeighted(verbPhraseForms),
	}
}

// appendWord appends a word and a separating space.
func appendWord(buf, word []byte) []byte {
	buf = append(buf, word...)
	return append(buf, ' ')
}

func (g *grammar) appendNounPhrase(buf []byte, r *rng) []byte {
	for _, sym := range g.nounPhrases.pick(r) {
		switch sym {
		case 'N':
			buf = appendWord(buf, g.nouns.pick(r))
		case 'J':
			buf = appendWord(buf, g.adjectives.pick(r))
		case 'D':
			buf = appendWord(buf, g.adverbs.pick(r))
		case ',':
			// The comma follows the previous word: replace its space.
			buf[len(buf)-1] = ','
			buf = append(buf, ' ')
		}
	}
	return buf
}

func (g *grammar) appendVerbPhrase(buf []byte, r *rng) []byte {
	for _, sym := range g.verbPhrases.pick(r) {
		switch sym {
		case 'V':
			buf = appendWord(buf, g.verbs.pick(r))
		case 'X':
			buf = appendWord(buf, g.auxiliaries.pick(r))
		case 'D':
			buf = appendWord(buf, g.adverbs.pick(r))
		}
	}
	return buf
}

func (g *grammar) appendSentence(buf []byte, r *rng) []byte {
	for _, sym := range g.sentences.pick(r) {
		switch sym {
		case 'N':
			buf = g.appendNounPhrase(buf, r)
		case 'V':
			buf = g.appendVerbPhrase(buf, r)
		case 'P':
			buf = appendWord(buf, g.prepositions.pick(r))
			buf = append(buf, "the "...)
			buf = g.appendNounPhrase(buf, r)
		case 'T':
			// The terminator follows the last word: replace its space.
			buf = append(buf[:len(buf)-1], g.terminators.pick(r)...)
			buf = append(buf, ' ')
		}
	}
	return buf
}

// textPool is the pseudo-random text comments are cut from.
type textPool []byte

// newTextPool builds a text of size bytes (size must exceed the longest
// comment, 198 bytes). The text depends on nothing but size.
func newTextPool(size int) textPool {
	g := newGrammar()
	r := rowRNG(streamSeed(streamText, 0), 0)
	buf := make([]byte, 0, size+256)
	for len(buf) < size {
		buf = g.appendSentence(buf, &r)
	}
	return textPool(buf[:size])
}

// pick returns a substring of random length in [lo, hi] at a random offset.
// The result aliases the pool.
func (p textPool) pick(r *rng, lo, hi int) []byte {
	n := int(r.between(int64(lo), int64(hi)))
	off := int(r.intn(uint64(len(p) - n + 1)))
	return p[off : off+n]
}
