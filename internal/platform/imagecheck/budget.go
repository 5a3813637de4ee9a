package imagecheck

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/aisd/aisd/internal/catalog"
)

// The decode budget bounds the memory all images being decoded and worked
// on at once may take, whatever their files weigh: a 1 MB PNG can declare
// 12600×12600 16-bit pixels (1.3 GB decoded). Each request's share is
// computed from the header before a pixel is decoded, held until the
// request ends, and waited for when the budget is taken.

// DefaultDecodeBudget is the budget unless SetDecodeBudget says otherwise.
const DefaultDecodeBudget = 1200 << 20

// maxBudgetWait is how long a request waits for its share before it is
// answered as busy.
var maxBudgetWait = 10 * time.Second

// freeAfter is the share above which memory is handed back to the OS once
// the request ends: a few such images would otherwise keep the process
// large long after.
const freeAfter = 256 << 20

var (
	budgetMu   sync.RWMutex
	budget     = semaphore.NewWeighted(DefaultDecodeBudget)
	budgetSize = int64(DefaultDecodeBudget)
)

// SetDecodeBudget sets the process-wide decode budget in bytes (server
// start-up; not while requests are decoding).
func SetDecodeBudget(n int64) {
	if n <= 0 {
		n = DefaultDecodeBudget
	}
	budgetMu.Lock()
	budget, budgetSize = semaphore.NewWeighted(n), n
	budgetMu.Unlock()
}

// InRequest makes Check take the image's share of the decode budget for
// the request ctx belongs to, and give it back when ctx is done.
func InRequest(ctx context.Context) Option {
	return func(o *options) { o.ctx = ctx }
}

// Cost is the memory an image takes from its decode to the end of its
// request: the decoded pixels, a second copy when it must be turned
// upright, and the engines' 3-byte-per-pixel working copy.
func (h Header) Cost() int64 {
	px := int64(h.stored.Dx()) * int64(h.stored.Dy())
	c := px*int64(h.bytesPerPixel) + 3*px
	if h.Orientation > 1 {
		c += px * int64(max(h.bytesPerPixel, 4)) // orient writes RGBA or the same type
	}
	return c
}

// reducedCost is Cost for the image decoded at 1/f of its size as NRGBA,
// plus the rows the streaming decoder keeps.
func (h Header) reducedCost(f int) int64 {
	w, ht := int64((h.stored.Dx()+f-1)/f), int64((h.stored.Dy()+f-1)/f)
	c := w*ht*(4+3) + int64(h.stored.Dx())*int64(2*h.bytesPerPixel+16) + 1<<20
	if h.Orientation > 1 {
		c += w * ht * 4
	}
	return c
}

// bytesPerPixel is what Go's decoders allocate per pixel for a model.
func bytesPerPixel(m color.Model) int {
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	switch m {
	case color.GrayModel:
		return 1
	case color.Gray16Model:
		return 2
	case color.YCbCrModel:
		return 3 // 4:4:4 at most; 4:2:0 takes 1.5
	case color.RGBA64Model, color.NRGBA64Model:
		return 8
	case color.NYCbCrAModel:
		return 4
	}
	return 4
}

// reserve takes cost (h's share: Cost, or less when decoded reduced) of
// the budget for the request of ctx.
func (h Header) reserve(ctx context.Context, cost int64) error {
	budgetMu.RLock()
	sem, size := budget, budgetSize
	budgetMu.RUnlock()
	if cost > size {
		return catalog.E(catalog.KindImageSize).Wrap(fmt.Errorf("%dx%d %s decodes to %d MB, over the %d MB decode budget",
			h.stored.Dx(), h.stored.Dy(), h.Format, cost>>20, size>>20))
	}
	wctx, cancel := context.WithTimeout(ctx, maxBudgetWait)
	defer cancel()
	if err := sem.Acquire(wctx, cost); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return catalog.E(catalog.KindTooManyRequests).Wrap(errors.New("decode budget taken by other requests"))
	}
	context.AfterFunc(ctx, func() {
		sem.Release(cost)
		if cost >= freeAfter {
			debug.FreeOSMemory()
		}
	})
	return nil
}

// reduceSlots bounds the streaming decodes running at once.
var reduceSlots = semaphore.NewWeighted(int64(runtime.NumCPU()))

// reduceSlot waits (at most maxBudgetWait) for a streaming-decode slot; a
// nil ctx (no request) waits without a bound.
func reduceSlot(ctx context.Context) error {
	if ctx == nil {
		return reduceSlots.Acquire(context.Background(), 1)
	}
	wctx, cancel := context.WithTimeout(ctx, maxBudgetWait)
	defer cancel()
	if err := reduceSlots.Acquire(wctx, 1); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return catalog.E(catalog.KindTooManyRequests).Wrap(errors.New("every streaming-decode slot is taken"))
	}
	return nil
}

func releaseReduceSlot() { reduceSlots.Release(1) }
