package shuffle

import (
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"unsafe"
)

// Location is where a map task's output is: its data file and the index of
// partition offsets into it, both under Dir.
type Location struct {
	Dir       string
	ShuffleID int
	MapIndex  int
}

// DataFile returns the path of the map task's data file
// (shuffle_<shuffle>_<map>_0.data, as Spark names it).
func (l Location) DataFile() string {
	return filepath.Join(l.Dir, "shuffle_"+strconv.Itoa(l.ShuffleID)+"_"+strconv.Itoa(l.MapIndex)+"_0.data")
}

// IndexFile returns the path of the map task's index file: numPartitions+1
// little-endian int64 offsets into the data file, then numPartitions int64
// row counts.
func (l Location) IndexFile() string {
	return filepath.Join(l.Dir, "shuffle_"+strconv.Itoa(l.ShuffleID)+"_"+strconv.Itoa(l.MapIndex)+"_0.index")
}

// MapStatus is what a map task reports about its output, as Spark's
// MapStatus: where it is and, approximately, how many (compressed) bytes it
// wrote for each reduce partition. Size is exact for an empty partition (0)
// and otherwise within the log-1.1 encoding's error. A MapStatus is
// immutable and safe for concurrent use.
type MapStatus interface {
	// Location returns where the map task's output is.
	Location() Location
	// Size returns the estimated bytes of reduce partition reduce (0 for an
	// index out of range).
	Size(reduce int) int64
	// NumPartitions returns the number of reduce partitions.
	NumPartitions() int
	// MemorySize returns the bytes of Go heap the status occupies: its
	// struct and slices, each rounded up to the Go allocator's size class.
	MemorySize() int64
}

// Defaults of NewMapStatus's thresholds.
const (
	// DefaultHighlyCompressThreshold is Spark's
	// spark.shuffle.minNumPartitionsToHighlyCompress.
	DefaultHighlyCompressThreshold = 2000
	// DefaultAccurateBlockThreshold is Spark's
	// spark.shuffle.accurateBlockThreshold (100 MiB).
	DefaultAccurateBlockThreshold = 100 << 20
)

// NewMapStatus returns the status of map task loc.MapIndex that wrote
// sizes[r] bytes for reduce partition r: a CompressedMapStatus, or a
// HighlyCompressedMapStatus when there are more than
// highlyCompressThreshold partitions (<= 0: the default, 2000), which keeps
// the exact size (to the log-1.1 encoding) only of blocks of at least
// accurateBlockThreshold bytes (<= 0: the default, 100 MiB).
func NewMapStatus(loc Location, sizes []int64, highlyCompressThreshold int, accurateBlockThreshold int64) MapStatus {
	if highlyCompressThreshold <= 0 {
		highlyCompressThreshold = DefaultHighlyCompressThreshold
	}
	if accurateBlockThreshold <= 0 {
		accurateBlockThreshold = DefaultAccurateBlockThreshold
	}
	if len(sizes) > highlyCompressThreshold {
		return newHighlyCompressedMapStatus(loc, sizes, accurateBlockThreshold)
	}
	return newCompressedMapStatus(loc, sizes)
}

// logBase is ln(1.1): sizes are kept as ceil(log base 1.1 of size).
var logBase = math.Log(1.1)

// decompressed[b] is DecompressSize(b).
var decompressed = func() (t [256]int64) {
	for b := 1; b < 256; b++ {
		t[b] = int64(math.Pow(1.1, float64(b)))
	}
	return t
}()

// CompressSize encodes a size in one byte as Spark does: 0 for 0, 1 for 1,
// otherwise ceil(log base 1.1 of size), at most 255 (about 35 GB: larger
// sizes are capped).
func CompressSize(size int64) uint8 {
	switch {
	case size <= 0:
		return 0
	case size <= 1:
		return 1
	}
	return uint8(min(255, int(math.Ceil(math.Log(float64(size))/logBase))))
}

// DecompressSize decodes CompressSize: 1.1^b (0 for 0). For a size s below
// the cap, DecompressSize(CompressSize(s)) is within 10% of s.
func DecompressSize(b uint8) int64 { return decompressed[b] }

// statusHeader is what both forms keep of their location.
type statusHeader struct {
	dir       string
	shuffleID int32
	mapIndex  int32
}

func newStatusHeader(loc Location) statusHeader {
	return statusHeader{dir: loc.Dir, shuffleID: int32(loc.ShuffleID), mapIndex: int32(loc.MapIndex)}
}

func (h *statusHeader) location() Location {
	return Location{Dir: h.dir, ShuffleID: int(h.shuffleID), MapIndex: int(h.mapIndex)}
}

// CompressedMapStatus keeps one byte per reduce partition: the partition's
// size as CompressSize encodes it. Its heap size is about N + 48 bytes (the
// directory string is shared by every status of a query).
type CompressedMapStatus struct {
	statusHeader
	sizes []uint8
}

func newCompressedMapStatus(loc Location, sizes []int64) *CompressedMapStatus {
	s := &CompressedMapStatus{statusHeader: newStatusHeader(loc), sizes: make([]uint8, len(sizes))}
	for i, n := range sizes {
		s.sizes[i] = CompressSize(n)
	}
	return s
}

// Location implements MapStatus.
func (s *CompressedMapStatus) Location() Location { return s.location() }

// NumPartitions implements MapStatus.
func (s *CompressedMapStatus) NumPartitions() int { return len(s.sizes) }

// Size implements MapStatus.
func (s *CompressedMapStatus) Size(r int) int64 {
	if r < 0 || r >= len(s.sizes) {
		return 0
	}
	return decompressed[s.sizes[r]]
}

// MemorySize implements MapStatus.
func (s *CompressedMapStatus) MemorySize() int64 {
	return allocSize(int(unsafe.Sizeof(*s))) + allocSize(cap(s.sizes))
}

// HighlyCompressedMapStatus keeps, for a shuffle of many partitions, the
// average size of the non-empty blocks below the accurate-block threshold, a
// bitmap of the empty blocks, and the sizes (CompressSize-encoded) of the
// huge blocks, those at or above the threshold, as Spark's
// HighlyCompressedMapStatus. Its heap size is about N/8 + 5 x (huge blocks)
// + 112 bytes.
type HighlyCompressedMapStatus struct {
	statusHeader
	numPartitions int32
	numNonEmpty   int32
	avgSize       int64
	empty         []uint64 // bit r set: partition r is empty
	hugeIdx       []int32  // ascending
	hugeSize      []uint8  // CompressSize of the huge blocks, in hugeIdx order
}

func newHighlyCompressedMapStatus(loc Location, sizes []int64, threshold int64) *HighlyCompressedMapStatus {
	s := &HighlyCompressedMapStatus{statusHeader: newStatusHeader(loc), numPartitions: int32(len(sizes)),
		empty: make([]uint64, (len(sizes)+63)/64)}
	var small, smallTotal int64
	huge := 0
	for _, n := range sizes {
		if n >= threshold {
			huge++
		}
	}
	if huge > 0 {
		s.hugeIdx = make([]int32, 0, huge)
		s.hugeSize = make([]uint8, 0, huge)
	}
	for r, n := range sizes {
		switch {
		case n <= 0:
			s.empty[r>>6] |= 1 << (r & 63)
		case n >= threshold:
			s.numNonEmpty++
			s.hugeIdx = append(s.hugeIdx, int32(r))
			s.hugeSize = append(s.hugeSize, CompressSize(n))
		default:
			s.numNonEmpty++
			small++
			smallTotal += n
		}
	}
	if small > 0 {
		s.avgSize = smallTotal / small
	}
	return s
}

// Location implements MapStatus.
func (s *HighlyCompressedMapStatus) Location() Location { return s.location() }

// NumPartitions implements MapStatus.
func (s *HighlyCompressedMapStatus) NumPartitions() int { return int(s.numPartitions) }

// Size implements MapStatus.
func (s *HighlyCompressedMapStatus) Size(r int) int64 {
	if r < 0 || r >= int(s.numPartitions) || s.empty[r>>6]&(1<<(r&63)) != 0 {
		return 0
	}
	if len(s.hugeIdx) > 0 {
		i := sort.Search(len(s.hugeIdx), func(i int) bool { return s.hugeIdx[i] >= int32(r) })
		if i < len(s.hugeIdx) && s.hugeIdx[i] == int32(r) {
			return decompressed[s.hugeSize[i]]
		}
	}
	return s.avgSize
}

// AverageSize returns the average size of the non-empty blocks below the
// accurate-block threshold.
func (s *HighlyCompressedMapStatus) AverageSize() int64 { return s.avgSize }

// NumHugeBlocks returns the number of blocks whose size is kept.
func (s *HighlyCompressedMapStatus) NumHugeBlocks() int { return len(s.hugeIdx) }

// MemorySize implements MapStatus.
func (s *HighlyCompressedMapStatus) MemorySize() int64 {
	return allocSize(int(unsafe.Sizeof(*s))) + allocSize(8*cap(s.empty)) +
		allocSize(4*cap(s.hugeIdx)) + allocSize(cap(s.hugeSize))
}

// addSizes adds every partition's size of st to dst (len NumPartitions).
func addSizes(dst []int64, st MapStatus) {
	switch s := st.(type) {
	case *CompressedMapStatus:
		dst = dst[:len(s.sizes)]
		for r, b := range s.sizes {
			dst[r] += decompressed[b]
		}
	case *HighlyCompressedMapStatus:
		n := int(s.numPartitions)
		dst = dst[:n]
		for r := 0; r < n; r++ {
			if s.empty[r>>6]&(1<<(r&63)) == 0 {
				dst[r] += s.avgSize
			}
		}
		for i, r := range s.hugeIdx {
			dst[r] += decompressed[s.hugeSize[i]] - s.avgSize
		}
	default:
		for r := range dst {
			dst[r] += st.Size(r)
		}
	}
}

// goSizeClasses are the Go allocator's small object sizes (runtime
// sizeclasses.go); larger objects take whole 8 KiB pages.
var goSizeClasses = [...]int{
	8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256,
	288, 320, 352, 384, 416, 448, 480, 512, 576, 640, 704, 768, 896, 1024, 1152, 1280,
	1408, 1536, 1792, 2048, 2304, 2688, 3072, 3200, 3456, 4096, 4864, 5376, 6144, 6528,
	6784, 6912, 8192, 9472, 9728, 10240, 10880, 12288, 13568, 14336, 16384, 18432,
	19072, 20480, 21760, 24576, 27264, 28672, 32768,
}

// allocSize returns the bytes the Go allocator takes for an object of n
// bytes.
func allocSize(n int) int64 {
	if n <= 0 {
		return 0
	}
	if n > goSizeClasses[len(goSizeClasses)-1] {
		return int64((n + 8191) &^ 8191)
	}
	i := sort.SearchInts(goSizeClasses[:], n)
	return int64(goSizeClasses[i])
}

// interfaceSlot is the bytes of a MapStatus value in a slice.
const interfaceSlot = int64(unsafe.Sizeof(MapStatus(nil)))

// StatusesMemory returns the bytes of Go heap a reader holding statuses
// occupies: every status's MemorySize and the slice of them.
func StatusesMemory(statuses []MapStatus) int64 {
	n := allocSize(int(interfaceSlot) * len(statuses))
	for _, s := range statuses {
		if s != nil {
			n += s.MemorySize()
		}
	}
	return n
}

// PartitionSizes returns the estimated bytes of each of n reduce partitions
// over statuses (nil entries, maps not reported, count as empty).
func PartitionSizes(statuses []MapStatus, n int) []int64 {
	out := make([]int64, n)
	for _, s := range statuses {
		if s != nil && s.NumPartitions() == n {
			addSizes(out, s)
		}
	}
	return out
}

// MapOutputTracker keeps the map statuses of shuffles, as Spark's
// MapOutputTracker: map tasks register their output, reduce tasks and
// adaptive execution read the statuses. It is safe for concurrent use.
type MapOutputTracker struct {
	mu       sync.RWMutex
	shuffles map[int]*shuffleOutputs
}

type shuffleOutputs struct {
	numReduces int
	statuses   []MapStatus // by map index; nil: not registered
	registered int
}

// NewMapOutputTracker returns an empty tracker.
func NewMapOutputTracker() *MapOutputTracker {
	return &MapOutputTracker{shuffles: map[int]*shuffleOutputs{}}
}

// RegisterShuffle registers shuffle id of numMaps map tasks writing
// numReduces partitions.
func (t *MapOutputTracker) RegisterShuffle(id, numMaps, numReduces int) error {
	if numMaps < 0 || numReduces < 1 {
		return fmt.Errorf("shuffle %d: %d map tasks, %d reduce partitions", id, numMaps, numReduces)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.shuffles[id]; ok {
		return fmt.Errorf("shuffle %d registered twice", id)
	}
	t.shuffles[id] = &shuffleOutputs{numReduces: numReduces, statuses: make([]MapStatus, numMaps)}
	return nil
}

// RegisterMapOutput records map task mapIndex's status; a later status of
// the same map task (a re-run) replaces it.
func (t *MapOutputTracker) RegisterMapOutput(id, mapIndex int, status MapStatus) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.shuffles[id]
	switch {
	case !ok:
		return fmt.Errorf("shuffle %d is not registered", id)
	case mapIndex < 0 || mapIndex >= len(s.statuses):
		return fmt.Errorf("shuffle %d: map task %d out of range [0, %d)", id, mapIndex, len(s.statuses))
	case status == nil:
		return fmt.Errorf("shuffle %d: map task %d: no status", id, mapIndex)
	case status.NumPartitions() != s.numReduces:
		return fmt.Errorf("shuffle %d: map task %d reported %d partitions, want %d", id, mapIndex, status.NumPartitions(), s.numReduces)
	}
	if s.statuses[mapIndex] == nil {
		s.registered++
	}
	s.statuses[mapIndex] = status
	return nil
}

// Statuses returns the statuses of shuffle id by map index; it fails when
// the shuffle is unknown or a map task has not registered its output.
func (t *MapOutputTracker) Statuses(id int) ([]MapStatus, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	s, ok := t.shuffles[id]
	if !ok {
		return nil, fmt.Errorf("shuffle %d is not registered", id)
	}
	if s.registered < len(s.statuses) {
		for m, st := range s.statuses {
			if st == nil {
				return nil, fmt.Errorf("shuffle %d: missing output of map task %d (%d of %d registered)", id, m, s.registered, len(s.statuses))
			}
		}
	}
	return append([]MapStatus(nil), s.statuses...), nil
}

// Status returns map task mapIndex's status of shuffle id (nil when not
// registered).
func (t *MapOutputTracker) Status(id, mapIndex int) MapStatus {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if s, ok := t.shuffles[id]; ok && mapIndex >= 0 && mapIndex < len(s.statuses) {
		return s.statuses[mapIndex]
	}
	return nil
}

// NumAvailableOutputs returns how many map tasks of shuffle id have
// registered their output (0 for an unknown shuffle).
func (t *MapOutputTracker) NumAvailableOutputs(id int) int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if s, ok := t.shuffles[id]; ok {
		return s.registered
	}
	return 0
}

// PartitionSizes returns the estimated bytes of each reduce partition of
// shuffle id, summed over its registered map outputs: the statistics
// adaptive execution plans with. It returns nil for an unknown shuffle.
func (t *MapOutputTracker) PartitionSizes(id int) []int64 {
	t.mu.RLock()
	defer t.mu.RUnlock()
	s, ok := t.shuffles[id]
	if !ok {
		return nil
	}
	return PartitionSizes(s.statuses, s.numReduces)
}

// StatusesMemory returns the bytes of Go heap shuffle id's statuses occupy
// (see StatusesMemory): what a reduce task holding them is charged.
func (t *MapOutputTracker) StatusesMemory(id int) int64 {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if s, ok := t.shuffles[id]; ok {
		return StatusesMemory(s.statuses)
	}
	return 0
}

// UnregisterShuffle forgets shuffle id.
func (t *MapOutputTracker) UnregisterShuffle(id int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.shuffles, id)
}
