package shuffle

import (
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
)

func TestCompressSize(t *testing.T) {
	cases := []struct {
		size int64
		b    uint8
	}{{0, 0}, {1, 1}, {2, 8}, {10, 25}, {1000, 73}, {1 << 30, 219}, {1 << 40, 255}}
	for _, c := range cases {
		if got := CompressSize(c.size); got != c.b {
			t.Errorf("CompressSize(%d) = %d, want %d", c.size, got, c.b)
		}
	}
	if DecompressSize(0) != 0 || DecompressSize(1) != 1 {
		t.Errorf("DecompressSize(0), (1) = %d, %d", DecompressSize(0), DecompressSize(1))
	}
	// Round trip within the log-1.1 bound for many sizes up to the cap.
	rng := rand.New(rand.NewPCG(1, 1))
	check := func(size int64) {
		got := DecompressSize(CompressSize(size))
		if rel := math.Abs(float64(got-size)) / float64(size); rel >= 0.1 {
			t.Fatalf("size %d round-trips to %d (relative error %.3f)", size, got, rel)
		}
	}
	for s := int64(1); s < 100000; s++ {
		check(s)
	}
	for i := 0; i < 200000; i++ {
		check(1 + int64(math.Exp(rng.Float64()*math.Log(3e10))))
	}
}

func sizesOf(n int, f func(r int) int64) []int64 {
	s := make([]int64, n)
	for r := range s {
		s[r] = f(r)
	}
	return s
}

func TestMapStatusForms(t *testing.T) {
	loc := Location{Dir: "/tmp/q", ShuffleID: 3, MapIndex: 5}
	cases := []struct {
		name   string
		n      int
		highly bool
	}{{"1", 1, false}, {"200", 200, false}, {"2000", 2000, false}, {"2001", 2001, true}, {"10000", 10000, true}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sizes := sizesOf(c.n, func(r int) int64 {
				switch {
				case r%3 == 0:
					return 0
				case r%97 == 1:
					return 200<<20 + int64(r)*1000 // huge
				}
				return 1000 + int64(r%7)*100
			})
			st := NewMapStatus(loc, sizes, 0, 0)
			_, isHighly := st.(*HighlyCompressedMapStatus)
			if isHighly != c.highly {
				t.Fatalf("%d partitions: highly compressed %v, want %v", c.n, isHighly, c.highly)
			}
			if st.NumPartitions() != c.n || st.Location() != loc {
				t.Errorf("NumPartitions %d, Location %+v", st.NumPartitions(), st.Location())
			}
			var avg float64
			var small int
			for _, s := range sizes {
				if s > 0 && s < DefaultAccurateBlockThreshold {
					avg += float64(s)
					small++
				}
			}
			avg /= float64(small)
			for r, s := range sizes {
				got := st.Size(r)
				switch {
				case s == 0:
					if got != 0 {
						t.Fatalf("empty partition %d reported %d bytes", r, got)
					}
				case s >= DefaultAccurateBlockThreshold || !c.highly:
					if math.Abs(float64(got-s))/float64(s) >= 0.1 {
						t.Fatalf("partition %d of %d bytes reported %d", r, s, got)
					}
				default:
					if math.Abs(float64(got)-avg) > 1 {
						t.Fatalf("small partition %d reported %d, the average is %.0f", r, got, avg)
					}
				}
			}
			if st.Size(-1) != 0 || st.Size(c.n) != 0 {
				t.Error("sizes out of range are not 0")
			}
		})
	}
}

func TestMapStatusThresholds(t *testing.T) {
	loc := Location{Dir: "d"}
	sizes := sizesOf(10, func(r int) int64 { return int64(r) * 1000 })
	if _, ok := NewMapStatus(loc, sizes, 9, 0).(*HighlyCompressedMapStatus); !ok {
		t.Error("10 partitions above a threshold of 9 are not highly compressed")
	}
	if _, ok := NewMapStatus(loc, sizes, 10, 0).(*CompressedMapStatus); !ok {
		t.Error("10 partitions at a threshold of 10 are highly compressed")
	}
	h := NewMapStatus(loc, sizes, 1, 5000).(*HighlyCompressedMapStatus)
	if h.NumHugeBlocks() != 5 || h.AverageSize() != 2500 {
		t.Errorf("accurate threshold 5000: %d huge blocks, average %d; want 5, 2500", h.NumHugeBlocks(), h.AverageSize())
	}
	if got := h.Size(7); math.Abs(float64(got-7000))/7000 >= 0.1 {
		t.Errorf("huge block of 7000 bytes reported %d", got)
	}
}

func TestMapStatusMemory(t *testing.T) {
	loc := Location{Dir: "/tmp/some/query/dir"}
	ns := []int{100, 1000, 2000, 4000, 8000, 16000}
	var prevC, prevH int64
	for _, n := range ns {
		sizes := sizesOf(n, func(r int) int64 { return int64(r%5) * 1000 })
		c := newCompressedMapStatus(loc, sizes).MemorySize()
		h := newHighlyCompressedMapStatus(loc, sizes, DefaultAccurateBlockThreshold).MemorySize()
		// Compressed: N + 48 bytes, rounded to size classes (within 13%).
		if c < int64(n)+48 || float64(c) > 1.13*float64(n+48) {
			t.Errorf("compressed status of %d partitions: %d bytes, want about %d", n, c, n+48)
		}
		if h < int64(n/8)+112 || float64(h) > 1.3*float64(n/8+112)+64 {
			t.Errorf("highly compressed status of %d partitions: %d bytes, want about %d", n, h, n/8+112)
		}
		if c <= prevC || h <= prevH {
			t.Errorf("memory does not grow with N: %d partitions %d / %d bytes", n, c, h)
		}
		prevC, prevH = c, h
	}
}

// TestMapStatusMemoryMeasured checks MemorySize against the heap the Go
// runtime reports for many statuses.
func TestMapStatusMemoryMeasured(t *testing.T) {
	for _, n := range []int{200, 1500, 5000} {
		const count = 2000
		sizes := sizesOf(n, func(r int) int64 { return int64(r%9) * 777 })
		loc := Location{Dir: "/tmp/shared-dir"}
		keep := make([]MapStatus, count)
		var ms0, ms1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms0)
		for i := range keep {
			keep[i] = NewMapStatus(loc, sizes, 0, 0)
		}
		runtime.ReadMemStats(&ms1)
		measured := float64(ms1.TotalAlloc-ms0.TotalAlloc) / count
		reported := float64(keep[0].MemorySize())
		if math.Abs(measured-reported)/measured > 0.1 {
			t.Errorf("%d partitions: MemorySize %.0f bytes, the runtime allocated %.0f per status", n, reported, measured)
		}
		runtime.KeepAlive(keep)
	}
}

func TestSizeClasses(t *testing.T) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	for _, c := range ms.BySize[1:] {
		if c.Size == 0 {
			continue
		}
		if got := allocSize(int(c.Size)); got != int64(c.Size) {
			t.Errorf("allocSize(%d) = %d, but %d is a size class", c.Size, got, c.Size)
		}
		if got := allocSize(int(c.Size) - 1); got != int64(c.Size) && c.Size > 8 {
			// One below a class rounds up to it unless it is itself one.
			found := false
			for _, d := range ms.BySize {
				if int(d.Size) == int(c.Size)-1 {
					found = true
				}
			}
			if !found {
				t.Errorf("allocSize(%d) = %d, want %d", c.Size-1, got, c.Size)
			}
		}
	}
}

func TestMapOutputTracker(t *testing.T) {
	tr := NewMapOutputTracker()
	if err := tr.RegisterShuffle(1, 3, 4); err != nil {
		t.Fatal(err)
	}
	if err := tr.RegisterShuffle(1, 3, 4); err == nil {
		t.Error("a shuffle registered twice")
	}
	loc := func(m int) Location { return Location{Dir: "d", ShuffleID: 1, MapIndex: m} }
	sizes := [][]int64{{100, 0, 1000, 5}, {100, 0, 0, 5}, {0, 0, 2000, 5}}
	for m := 0; m < 2; m++ {
		if err := tr.RegisterMapOutput(1, m, NewMapStatus(loc(m), sizes[m], 0, 0)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tr.Statuses(1); err == nil || !strings.Contains(err.Error(), "missing output of map task 2") {
		t.Errorf("statuses with a map output missing: %v", err)
	}
	if tr.NumAvailableOutputs(1) != 2 {
		t.Errorf("%d outputs available, want 2", tr.NumAvailableOutputs(1))
	}
	errs := []struct {
		id, m int
		st    MapStatus
		want  string
	}{
		{2, 0, NewMapStatus(loc(0), sizes[0], 0, 0), "not registered"},
		{1, 3, NewMapStatus(loc(3), sizes[0], 0, 0), "out of range"},
		{1, 2, NewMapStatus(loc(2), []int64{1}, 0, 0), "reported 1 partitions, want 4"},
		{1, 2, nil, "no status"},
	}
	for _, e := range errs {
		if err := tr.RegisterMapOutput(e.id, e.m, e.st); err == nil || !strings.Contains(err.Error(), e.want) {
			t.Errorf("RegisterMapOutput(%d, %d): %v, want %q", e.id, e.m, err, e.want)
		}
	}
	if err := tr.RegisterMapOutput(1, 2, NewMapStatus(loc(2), sizes[2], 0, 0)); err != nil {
		t.Fatal(err)
	}
	st, err := tr.Statuses(1)
	if err != nil || len(st) != 3 {
		t.Fatalf("Statuses: %d, %v", len(st), err)
	}
	got := tr.PartitionSizes(1)
	want := []int64{200, 0, 3000, 15}
	for r := range want {
		if math.Abs(float64(got[r]-want[r])) > 0.1*float64(want[r]) {
			t.Errorf("partition %d: %d bytes, want about %d", r, got[r], want[r])
		}
	}
	if got[1] != 0 {
		t.Errorf("an empty partition sums to %d", got[1])
	}
	if m := tr.StatusesMemory(1); m != StatusesMemory(st) || m < 3*(4+48) {
		t.Errorf("StatusesMemory %d", m)
	}
	tr.UnregisterShuffle(1)
	if tr.PartitionSizes(1) != nil || tr.StatusesMemory(1) != 0 {
		t.Error("an unregistered shuffle still has statistics")
	}
	if _, err := tr.Statuses(1); err == nil {
		t.Error("statuses of an unregistered shuffle")
	}
}

func TestTrackerMemoryGrowsWithMxN(t *testing.T) {
	mem := func(m, n int) int64 {
		tr := NewMapOutputTracker()
		if err := tr.RegisterShuffle(0, m, n); err != nil {
			t.Fatal(err)
		}
		sizes := sizesOf(n, func(r int) int64 { return int64(r) })
		for i := 0; i < m; i++ {
			if err := tr.RegisterMapOutput(0, i, NewMapStatus(Location{Dir: "d", MapIndex: i}, sizes, 0, 0)); err != nil {
				t.Fatal(err)
			}
		}
		return tr.StatusesMemory(0)
	}
	base := mem(100, 1000)
	cases := []struct {
		m, n   int
		factor float64
	}{{200, 1000, 2}, {100, 2000, 2}, {400, 2000, 8}, {1000, 1000, 10}}
	for _, c := range cases {
		got := float64(mem(c.m, c.n)) / float64(base)
		if got < 0.9*c.factor || got > 1.1*c.factor {
			t.Errorf("M=%d N=%d: memory x%.2f of M=100 N=1000, want about x%.0f", c.m, c.n, got, c.factor)
		}
	}
}

func TestPartitionSizesFastPathMatchesSize(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for _, n := range []int{7, 2500} {
		var statuses []MapStatus
		for m := 0; m < 5; m++ {
			sizes := sizesOf(n, func(r int) int64 {
				if rng.IntN(4) == 0 {
					return 0
				}
				return rng.Int64N(300 << 20)
			})
			statuses = append(statuses, NewMapStatus(Location{}, sizes, 0, 0))
		}
		got := PartitionSizes(statuses, n)
		for r := 0; r < n; r++ {
			var want int64
			for _, s := range statuses {
				want += s.Size(r)
			}
			if got[r] != want {
				t.Fatalf("n=%d partition %d: %d, Size sums to %d", n, r, got[r], want)
			}
		}
	}
}
