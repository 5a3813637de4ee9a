package models

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// tmpPrefix marks files being written; an interrupted install leaves only
// these behind, and the next install removes them.
const tmpPrefix = ".tmp-"

// Install fetches, verifies, extracts and converts the named models (the
// default ones — those an engine loads — when none is named), writing
// progress to progress (may be nil). A model that is
// already installed and verified is left alone. Failures of one model do
// not stop the others; the error joins them all.
func (m *Manager) Install(ctx context.Context, names []string, progress io.Writer) error {
	mfs, err := m.resolve(names, false)
	if err != nil {
		return err
	}
	p := newProgress(progress)
	unlock, err := lockRoot(m.root, func() {
		p.printf("waiting for another install into %s to finish\n", m.root)
	})
	if err != nil {
		return fmt.Errorf("lock %s: %w", m.root, err)
	}
	defer unlock()
	var errs []error
	width := 0
	for _, mf := range mfs {
		width = max(width, len(mf.Name))
	}
	for i, mf := range mfs {
		t := p.task(i+1, len(mfs), mf.Name, width)
		if err := m.installOne(ctx, mf, t); err != nil {
			t.step("failed", "%v", err)
			errs = append(errs, fmt.Errorf("install %s: %w", mf.Name, err))
			if ctx.Err() != nil {
				break
			}
		}
	}
	return errors.Join(errs...)
}

func (m *Manager) installOne(ctx context.Context, mf *Manifest, t *task) error {
	files := mf.files()
	if len(files) == 0 {
		return fmt.Errorf("the manifest has no files for %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	var conv ConvertFunc
	if mf.Convert != nil {
		var err error
		if conv, err = converterFor(mf.Convert.Format); err != nil {
			return err
		}
	}
	if m.check(ctx, mf) == nil {
		m.markVerified(mf.Name, true)
		t.step("ok", "already installed and verified in %s, nothing to do", m.Dir(mf.Name))
		return nil
	}
	m.markVerified(mf.Name, false)
	dir := m.Dir(mf.Name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	removeTemps(dir)
	// Without model.json the model counts as not installed until the end,
	// whatever happens in between.
	if err := os.Remove(filepath.Join(dir, metaFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}

	// Files left by an interrupted install that already verify are kept.
	var need []File
	for _, f := range files {
		if got, _, err := hashFile(filepath.Join(dir, f.Dst)); err != nil || got != f.SHA256 {
			need = append(need, f)
		}
	}
	if len(need) > 0 {
		if err := m.fetchAndExtract(ctx, mf, need, t); err != nil {
			return err
		}
	} else {
		t.step("extract", "all %s already in place", plural(len(files), "file"))
	}

	if c := mf.Convert; c != nil {
		if err := m.convert(ctx, mf, conv, t); err != nil {
			return err
		}
	}

	meta := Meta{Name: mf.Name, Source: mf.Source.Spec(), Version: mf.Source.Version,
		InstalledAt: time.Now().UTC().Truncate(time.Second)}
	var total int64
	for _, name := range mf.fileNames() {
		sum, n, err := hashFile(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		if want := mf.expected()[name]; sum != want {
			// Only possible if something changed the file under us.
			return &HashError{File: filepath.Join(dir, name), Expected: want, Actual: sum}
		}
		meta.Files = append(meta.Files, MetaFile{Name: name, SHA256: sum, Size: n})
		total += n
	}
	data, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFileAtomic(dir, metaFile, append(data, '\n')); err != nil {
		return err
	}
	m.markVerified(mf.Name, true)
	t.step("done", "installed %s (%s) in %s", plural(len(meta.Files), "file"), size(total), dir)
	return nil
}

// fetchAndExtract gets the package tarball (from the cache when it is
// there) and extracts the needed files. A cached tarball whose files fail
// verification is fetched again once.
func (m *Manager) fetchAndExtract(ctx context.Context, mf *Manifest, need []File, t *task) error {
	tgz, cached, err := m.fetch(ctx, mf, t)
	if err != nil {
		return err
	}
	err = extract(ctx, tgz, need, m.Dir(mf.Name), t)
	if err == nil || ctx.Err() != nil {
		return err
	}
	// A tarball that cannot give the right files is useless in the cache.
	os.Remove(tgz)
	if !cached {
		return err
	}
	t.step("fetch", "cached tarball is bad (%v); fetching again", err)
	if tgz, _, err = m.fetch(ctx, mf, t); err != nil {
		return err
	}
	if err = extract(ctx, tgz, need, m.Dir(mf.Name), t); err != nil && ctx.Err() == nil {
		os.Remove(tgz)
	}
	return err
}

// tarballName is the cache file name of a package version.
func tarballName(s Source) string {
	return strings.ReplaceAll(strings.TrimPrefix(s.NPM, "@"), "/", "-") + "-" + s.Version + ".tgz"
}

// fetch returns the package tarball, running npm pack unless the cache
// already holds it.
func (m *Manager) fetch(ctx context.Context, mf *Manifest, t *task) (string, bool, error) {
	dst := filepath.Join(m.cacheDir(), tarballName(mf.Source))
	if fi, err := os.Stat(dst); err == nil && fi.Mode().IsRegular() {
		t.step("fetch", "using cached %s (%s)", filepath.Base(dst), size(fi.Size()))
		return dst, true, nil
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return "", false, fmt.Errorf("npm is not on PATH: models are fetched with `npm pack %s`; "+
			"install Node.js and npm (Debian: apt-get install npm) and retry", mf.Source.Spec())
	}
	if err := os.MkdirAll(m.cacheDir(), 0o755); err != nil {
		return "", false, err
	}
	removeTemps(m.cacheDir())
	// npm writes into a private directory so an interrupted download never
	// looks like a cached tarball.
	tmp, err := os.MkdirTemp(m.cacheDir(), tmpPrefix+"pack-")
	if err != nil {
		return "", false, err
	}
	defer os.RemoveAll(tmp)

	mt := t.meter("fetch", "npm pack "+mf.Source.Spec(), 0)
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, npm, "pack", mf.Source.Spec(), "--pack-destination", tmp, "--ignore-scripts")
	cmd.Dir = tmp
	cmd.Stdout = io.Discard
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		mt.fail()
		if ctx.Err() != nil {
			return "", false, ctx.Err()
		}
		return "", false, fmt.Errorf("npm pack %s: %v: %s", mf.Source.Spec(), err, lastLines(stderr.String(), 5))
	}
	tgzs, _ := filepath.Glob(filepath.Join(tmp, "*.tgz"))
	if len(tgzs) != 1 {
		mt.fail()
		return "", false, fmt.Errorf("npm pack %s produced %d tarballs, want 1", mf.Source.Spec(), len(tgzs))
	}
	if err := os.Rename(tgzs[0], dst); err != nil {
		mt.fail()
		return "", false, err
	}
	fi, err := os.Stat(dst)
	if err != nil {
		mt.fail()
		return "", false, err
	}
	mt.done("fetched %s (%s) in %.1fs", filepath.Base(dst), size(fi.Size()), time.Since(mt.start).Seconds())
	return dst, false, nil
}

// extract reads the needed files out of a gzipped tarball into temporary
// files, checks their hashes, and only then renames them into place, so a
// model directory never holds a file with a wrong hash under its real name.
func extract(ctx context.Context, tgz string, need []File, dir string, t *task) (err error) {
	f, err := os.Open(tgz)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	want := make(map[string]File, len(need))
	for _, nf := range need {
		want[nf.Src] = nf
	}
	type result struct {
		file File
		tmp  string
		sum  string
		size int64
	}
	var got []result
	defer func() {
		if err != nil {
			for _, r := range got {
				os.Remove(r.tmp)
			}
		}
	}()

	mt := t.meter("extract", plural(len(need), "file")+" from "+filepath.Base(tgz), fi.Size())
	gz, err := gzip.NewReader(bufio.NewReaderSize(io.TeeReader(f, mt), 1<<20))
	if err != nil {
		mt.fail()
		return fmt.Errorf("%s: %w", filepath.Base(tgz), err)
	}
	tr := tar.NewReader(gz)
	for len(want) > 0 {
		if err := ctx.Err(); err != nil {
			mt.fail()
			return err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			mt.fail()
			return fmt.Errorf("%s: %w", filepath.Base(tgz), err)
		}
		name := path.Clean(strings.TrimPrefix(hdr.Name, "./"))
		nf, ok := want[name]
		if !ok {
			continue
		}
		if hdr.Typeflag != tar.TypeReg {
			mt.fail()
			return fmt.Errorf("%s: %s is not a regular file", filepath.Base(tgz), name)
		}
		delete(want, name)
		tmp, sum, n, err := writeTemp(dir, nf.Dst, tr)
		if err != nil {
			mt.fail()
			return err
		}
		got = append(got, result{file: nf, tmp: tmp, sum: sum, size: n})
	}
	if len(want) > 0 {
		mt.fail()
		var missing []string
		for _, nf := range need {
			if _, ok := want[nf.Src]; ok {
				missing = append(missing, nf.Src)
			}
		}
		return fmt.Errorf("%s lacks %s", filepath.Base(tgz), strings.Join(missing, ", "))
	}
	var total int64
	for _, r := range got {
		total += r.size
	}
	mt.done("extracted %s, %s", plural(len(got), "file"), size(total))

	var bad []error
	for _, r := range got {
		if r.sum != r.file.SHA256 {
			bad = append(bad, &HashError{File: filepath.Base(tgz) + ":" + r.file.Src, Expected: r.file.SHA256, Actual: r.sum})
		}
	}
	if err := errors.Join(bad...); err != nil {
		return err
	}
	t.step("verify", "sha256 matches the manifest for %s", plural(len(got), "file"))
	for _, r := range got {
		if err := os.Rename(r.tmp, filepath.Join(dir, r.file.Dst)); err != nil {
			return err
		}
	}
	return syncDir(dir)
}

// convert runs the registered converter into a temporary file and keeps it
// only if its hash is the manifest's. An output left by an earlier run that
// already verifies is kept.
func (m *Manager) convert(ctx context.Context, mf *Manifest, fn ConvertFunc, t *task) error {
	c := mf.Convert
	dir := m.Dir(mf.Name)
	final := filepath.Join(dir, c.Output)
	if sum, _, err := hashFile(final); err == nil && sum == c.SHA256 {
		t.step("convert", "%s already converted", c.Output)
		return nil
	}
	tf, err := os.CreateTemp(dir, tmpPrefix+c.Output+"-*")
	if err != nil {
		return err
	}
	tmp := tf.Name()
	tf.Close()
	defer os.Remove(tmp) // no-op after the rename

	mt := t.meter("convert", fmt.Sprintf("%s %s → %s", c.Format, c.ModelJSON, c.Output), 0)
	if err := fn(ctx, dir, *c, tmp); err != nil {
		mt.fail()
		return fmt.Errorf("convert %s (%s): %w", c.ModelJSON, c.Format, err)
	}
	sum, n, err := hashFile(tmp)
	if err != nil {
		mt.fail()
		return err
	}
	if sum != c.SHA256 {
		mt.fail()
		return &HashError{File: "converted " + c.Output, Expected: c.SHA256, Actual: sum}
	}
	if err := os.Rename(tmp, final); err != nil {
		mt.fail()
		return err
	}
	mt.done("converted %s (%s) in %.1fs, sha256 matches", c.Output, size(n), time.Since(mt.start).Seconds())
	return syncDir(dir)
}

// writeTemp copies r into a new temporary file in dir, flushed to disk,
// and returns its path, hash and size.
func writeTemp(dir, name string, r io.Reader) (string, string, int64, error) {
	f, err := os.CreateTemp(dir, tmpPrefix+name+"-*")
	if err != nil {
		return "", "", 0, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), r)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err != nil {
		os.Remove(f.Name())
		return "", "", 0, fmt.Errorf("write %s: %w", name, err)
	}
	return f.Name(), hex.EncodeToString(h.Sum(nil)), n, nil
}

func writeFileAtomic(dir, name string, data []byte) error {
	tmp, _, _, err := writeTemp(dir, name, bytes.NewReader(data))
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(dir)
}

// syncDir makes renames in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}

// removeTemps deletes what an interrupted install left behind.
func removeTemps(dir string) {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), tmpPrefix) {
			os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
