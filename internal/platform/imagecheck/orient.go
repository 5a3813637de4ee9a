package imagecheck

import (
	"image"
	"image/draw"
)

// orient turns src upright for EXIF orientation o (2–8); any other value
// returns src itself. The result keeps src's pixel type when it is one of
// the standard packed types the decoders return (grey, RGBA, NRGBA, their
// 16-bit forms, CMYK, paletted), so an engine sees the same pixels, only
// moved; other types (YCbCr) are converted to RGBA first.
func orient(src image.Image, o int) image.Image {
	if o < 2 || o > 8 {
		return src
	}
	sb := src.Bounds()
	w, h := sb.Dx(), sb.Dy()
	dw, dh := w, h
	if o >= 5 { // orientations 5–8 swap the axes
		dw, dh = h, w
	}
	r := image.Rect(0, 0, dw, dh)
	var (
		dst           image.Image
		sp, dp        []uint8 // source from its bounds' origin; destination
		sstride, dstr int
		bytesPerPixel int
	)
	switch s := src.(type) {
	case *image.Gray:
		d := image.NewGray(r)
		dst, sp, sstride, dp, dstr, bytesPerPixel = d, s.Pix[s.PixOffset(sb.Min.X, sb.Min.Y):], s.Stride, d.Pix, d.Stride, 1
	case *image.Gray16:
		d := image.NewGray16(r)
		dst, sp, sstride, dp, dstr, bytesPerPixel = d, s.Pix[s.PixOffset(sb.Min.X, sb.Min.Y):], s.Stride, d.Pix, d.Stride, 2
	case *image.RGBA:
		d := image.NewRGBA(r)
		dst, sp, sstride, dp, dstr, bytesPerPixel = d, s.Pix[s.PixOffset(sb.Min.X, sb.Min.Y):], s.Stride, d.Pix, d.Stride, 4
	case *image.NRGBA:
		d := image.NewNRGBA(r)
		dst, sp, sstride, dp, dstr, bytesPerPixel = d, s.Pix[s.PixOffset(sb.Min.X, sb.Min.Y):], s.Stride, d.Pix, d.Stride, 4
	case *image.RGBA64:
		d := image.NewRGBA64(r)
		dst, sp, sstride, dp, dstr, bytesPerPixel = d, s.Pix[s.PixOffset(sb.Min.X, sb.Min.Y):], s.Stride, d.Pix, d.Stride, 8
	case *image.NRGBA64:
		d := image.NewNRGBA64(r)
		dst, sp, sstride, dp, dstr, bytesPerPixel = d, s.Pix[s.PixOffset(sb.Min.X, sb.Min.Y):], s.Stride, d.Pix, d.Stride, 8
	case *image.CMYK:
		d := image.NewCMYK(r)
		dst, sp, sstride, dp, dstr, bytesPerPixel = d, s.Pix[s.PixOffset(sb.Min.X, sb.Min.Y):], s.Stride, d.Pix, d.Stride, 4
	case *image.Paletted:
		d := image.NewPaletted(r, s.Palette)
		dst, sp, sstride, dp, dstr, bytesPerPixel = d, s.Pix[s.PixOffset(sb.Min.X, sb.Min.Y):], s.Stride, d.Pix, d.Stride, 1
	default:
		in := image.NewRGBA(image.Rect(0, 0, w, h))
		draw.Draw(in, in.Bounds(), src, sb.Min, draw.Src)
		return orient(in, o)
	}
	// The stored pixel shown at upright (dx, dy) is at (sx, sy) =
	// (x0 + xdx·dx + xdy·dy, y0 + ydx·dx + ydy·dy).
	var x0, xdx, xdy, y0, ydx, ydy int
	switch o {
	case 2: // mirrored horizontally
		x0, xdx, y0, ydy = w-1, -1, 0, 1
	case 3: // rotated 180°
		x0, xdx, y0, ydy = w-1, -1, h-1, -1
	case 4: // mirrored vertically
		x0, xdx, y0, ydy = 0, 1, h-1, -1
	case 5: // transposed
		xdy, ydx = 1, 1
	case 6: // stored rotated 90° counter-clockwise: turn clockwise
		xdy, y0, ydx = 1, h-1, -1
	case 7: // transversed
		x0, xdy, y0, ydx = w-1, -1, h-1, -1
	case 8: // stored rotated 90° clockwise: turn counter-clockwise
		x0, xdy, ydx = w-1, -1, 1
	}
	bpp := bytesPerPixel
	base := y0*sstride + x0*bpp
	stepX := ydx*sstride + xdx*bpp // source offset per upright column
	stepY := ydy*sstride + xdy*bpp // per upright row
	for dy := 0; dy < dh; dy++ {
		si := base + dy*stepY
		row := dp[dy*dstr : dy*dstr+dw*bpp]
		for di := 0; di < len(row); di += bpp {
			copy(row[di:di+bpp], sp[si:si+bpp])
			si += stepX
		}
	}
	return dst
}
