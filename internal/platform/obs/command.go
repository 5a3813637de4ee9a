package obs

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/aisd/aisd/internal/config"
	"github.com/aisd/aisd/internal/platform/progress"
)

// Command is `aisd obs`: put, list and remove objects of the object store
// the server reads (the same settings: --config file, AISD_* variables),
// for operators and for users on the server's machine.
func Command() *cobra.Command {
	var dir, file string
	open := func() (Store, error) {
		cfg, err := config.Load(file, os.LookupEnv)
		if err != nil {
			return nil, err
		}
		if dir != "" {
			cfg.OBSDir, cfg.OBSEndpoint = dir, ""
			cfg.OBSAccessKey, cfg.OBSSecretKey, cfg.OBSRegion, cfg.OBSBucketPrefix, cfg.OBSCAFile = "", "", "", "", ""
		}
		return Open(cfg)
	}
	root := &cobra.Command{
		Use:   "obs",
		Short: "Manage the buckets and objects of aisd's object store",
		Long: "Manage the buckets and objects that OBS-style input URLs (obs://BUCKET/KEY,\n" +
			"https://BUCKET.obs.REGION.DOMAIN/KEY) are read from: the store the server's settings\n" +
			"name (obs_endpoint, else obs_dir, else data_dir/obs), from --config and AISD_* variables.",
	}
	root.PersistentFlags().StringVarP(&file, "config", "c", "", "YAML config file, as for aisd serve")
	root.PersistentFlags().StringVar(&dir, "dir", "", "use the local store in this directory instead of the configured one")

	var project, contentType string
	put := &cobra.Command{
		Use:   "put BUCKET/KEY FILE | put BUCKET[/PREFIX/] FILE|DIR...",
		Short: "Upload FILE (- for standard input) as BUCKET/KEY, or files and directories under a prefix",
		Long: "Upload FILE (- for standard input) as BUCKET/KEY. With several sources, a directory,\n" +
			"or a target ending in / (or a bare bucket), every file is uploaded under the prefix:\n" +
			"a file by its name, a directory's files by their path below it. A batch draws a\n" +
			"progress bar on a terminal and prints one line per object otherwise.",
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			target, sources := args[0], args[1:]
			batch := len(sources) > 1 || strings.HasSuffix(target, "/") || !strings.Contains(strings.TrimPrefix(target, "obs://"), "/")
			if !batch && sources[0] != "-" {
				if st, err := os.Stat(sources[0]); err == nil && st.IsDir() {
					batch = true
				}
			}
			bucket, key, err := splitTarget(target, !batch)
			if err != nil {
				return err
			}
			var files []upload
			if batch {
				if key != "" && !strings.HasSuffix(key, "/") {
					key += "/"
				}
				if files, err = collect(key, sources); err != nil {
					return err
				}
			} else {
				files = []upload{{key: key, path: sources[0], size: -1}}
			}
			s, err := open()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			owner, err := s.BucketOwner(ctx, bucket)
			switch {
			case errors.Is(err, ErrNoSuchBucket):
				if project == "" {
					return fmt.Errorf("bucket %s does not exist; pass --project to create it for a project", bucket)
				}
				if err := s.CreateBucket(ctx, project, bucket); err != nil && !errors.Is(err, ErrBucketExists) {
					return err
				}
				if owner, err = s.BucketOwner(ctx, bucket); err != nil {
					return err
				}
			case err != nil:
				return err
			}
			if owner == "" {
				return fmt.Errorf("bucket %s belongs to no project (it has no %s record; aisd did not create it), so nothing could read the object", bucket, ownerKey)
			}
			if project != "" && owner != project {
				return fmt.Errorf("bucket %s belongs to project %s, not %s", bucket, owner, project)
			}
			if !batch {
				o, err := putOne(cmd, s, bucket, files[0], contentType)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "obs://%s/%s\t%d bytes\tetag %s\n", bucket, o.Key, o.Size, o.ETag)
				return nil
			}
			var total int64
			for _, f := range files {
				total += f.size
			}
			bar := progress.New(cmd.ErrOrStderr())
			bar.Count = func(_ string, n int64) string { return progress.Size(n) }
			bar.Start("upload", total)
			for _, f := range files {
				o, err := putOne(cmd, s, bucket, f, contentType, bar)
				if err != nil {
					bar.Done()
					return fmt.Errorf("%s: %w", f.path, err)
				}
				if !bar.On {
					fmt.Fprintf(cmd.OutOrStdout(), "obs://%s/%s\t%d bytes\tetag %s\n", bucket, o.Key, o.Size, o.ETag)
				}
			}
			bar.Done()
			fmt.Fprintf(cmd.OutOrStdout(), "uploaded %d object(s), %s, to obs://%s/%s\n", len(files), progress.Size(total), bucket, key)
			return nil
		},
	}
	put.Flags().StringVar(&project, "project", "", "project that owns the bucket, when put creates it")
	put.Flags().StringVar(&contentType, "content-type", "", "content type (default: from the file extension)")

	ls := &cobra.Command{
		Use:   "ls [BUCKET[/PREFIX]]",
		Short: "List buckets, or the objects of a bucket",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := open()
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			defer tw.Flush()
			if len(args) == 0 {
				bs, err := s.ListBuckets(cmd.Context(), "")
				if err != nil {
					return err
				}
				for _, b := range bs {
					owner := b.Owner
					if owner == "" {
						owner = "-" // no project: unreadable through aisd
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\n", b.Name, owner, b.Created.Format("2006-01-02 15:04"))
				}
				return nil
			}
			bucket, prefix, err := splitTarget(args[0], false)
			if err != nil {
				return err
			}
			objs, err := s.List(cmd.Context(), bucket, prefix)
			if err != nil {
				return err
			}
			for _, o := range objs {
				fmt.Fprintf(tw, "%d\t%s\t%s\n", o.Size, o.LastModified.Local().Format("2006-01-02 15:04"), o.Key)
			}
			return nil
		},
	}

	rm := &cobra.Command{
		Use:   "rm BUCKET/KEY",
		Short: "Remove an object",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			bucket, key, err := splitTarget(args[0], true)
			if err != nil {
				return err
			}
			s, err := open()
			if err != nil {
				return err
			}
			if _, err := s.Stat(cmd.Context(), bucket, key); err != nil {
				return err
			}
			return s.Delete(cmd.Context(), bucket, key)
		},
	}

	root.AddCommand(put, ls, rm)
	return root
}

// splitTarget splits BUCKET/KEY (an obs:// prefix is tolerated).
func splitTarget(s string, needKey bool) (bucket, key string, err error) {
	s = strings.TrimPrefix(s, "obs://")
	bucket, key, _ = strings.Cut(s, "/")
	if !ValidBucketName(bucket) {
		return "", "", fmt.Errorf("%q is not a valid bucket name", bucket)
	}
	if needKey && !ValidKey(key) {
		return "", "", fmt.Errorf("%q: expected BUCKET/KEY", s)
	}
	return bucket, key, nil
}

// upload is one file of a put: its key and where it is read from.
type upload struct {
	key, path string
	size      int64
}

// collect lists the files of a batch put: a file under prefix by its
// name, a directory's regular files by their slash path below it, in the
// order the sources and the walk give them.
func collect(prefix string, sources []string) ([]upload, error) {
	var out []upload
	seen := map[string]string{}
	add := func(key, path string, size int64) error {
		if !ValidKey(key) {
			return fmt.Errorf("%s: %q is not a valid object key", path, key)
		}
		if other, dup := seen[key]; dup {
			return fmt.Errorf("%s and %s would both be %s", other, path, key)
		}
		seen[key] = path
		out = append(out, upload{key: key, path: path, size: size})
		return nil
	}
	for _, src := range sources {
		if src == "-" {
			return nil, errors.New("standard input (-) needs a BUCKET/KEY target and no other source")
		}
		st, err := os.Stat(src)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			if err := add(prefix+filepath.Base(src), src, st.Size()); err != nil {
				return nil, err
			}
			continue
		}
		err = filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return err
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			rel, err := filepath.Rel(src, path)
			if err != nil {
				return err
			}
			return add(prefix+filepath.ToSlash(rel), path, info.Size())
		})
		if err != nil {
			return nil, err
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no files to upload")
	}
	return out, nil
}

// counter counts the bytes read through it into a progress bar.
type counter struct {
	r   io.Reader
	bar *progress.Bar
}

func (c counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.bar.Add(int64(n))
	return n, err
}

// putOne uploads one file (- is standard input), its content type from
// the flag or the file's extension.
func putOne(cmd *cobra.Command, s Store, bucket string, f upload, contentType string, bar ...*progress.Bar) (Object, error) {
	var r io.Reader = cmd.InOrStdin()
	size := int64(-1)
	if f.path != "-" {
		file, err := os.Open(f.path)
		if err != nil {
			return Object{}, err
		}
		defer file.Close()
		st, err := file.Stat()
		if err != nil {
			return Object{}, err
		}
		r, size = file, st.Size()
		if contentType == "" {
			contentType = mime.TypeByExtension(filepath.Ext(f.path))
		}
	}
	if len(bar) > 0 {
		r = counter{r: r, bar: bar[0]}
	}
	return s.Put(cmd.Context(), bucket, f.key, r, size, contentType)
}
