package moderation

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/aisd/aisd/internal/catalog"
)

// FuzzProbe: whatever bytes a video URL answers with, ffprobe's verdict
// comes back as a video within the documented bounds or as one of the
// video codes — never a bare error, never a panic.
func FuzzProbe(f *testing.F) {
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		f.Skip("ffmpeg (Debian package ffmpeg) is not installed")
	}
	dir := f.TempDir()
	clip := filepath.Join(dir, "seed.mp4")
	if out, err := exec.Command(ffmpeg, "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=2:duration=1",
		"-pix_fmt", "yuv420p", clip).CombinedOutput(); err != nil {
		f.Fatalf("seed clip: %v: %s", err, out)
	}
	seed, _ := os.ReadFile(clip)
	f.Add(seed)
	f.Add(seed[:len(seed)/2])
	f.Add([]byte("#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\nfile:///etc/passwd\n"))
	f.Add([]byte("ffconcat version 1.0\nfile /etc/passwd\n"))
	f.Add([]byte{})
	s, err := New(nil, nil, nil, Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "in")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		info, err := s.probe(context.Background(), path)
		if err != nil {
			if !catalog.IsKind(err, catalog.KindVideoFormat) && !catalog.IsKind(err, catalog.KindVideoResolution) && !catalog.IsKind(err, catalog.KindVideoTooLong) {
				t.Fatalf("probe: %v is not a video code", err)
			}
			return
		}
		if info.Width < minVideoSide || info.Height < minVideoSide || info.Width > maxVideoSide || info.Height > maxVideoSide ||
			info.Duration < 0 || info.Duration > s.opt.MaxVideoDuration.Seconds() {
			t.Fatalf("probe accepted %+v", info)
		}
	})
}
