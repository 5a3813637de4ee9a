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
		Use:   "put BUCKET/KEY FILE",
		Short: "Upload FILE (- for standard input) as BUCKET/KEY",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			bucket, key, err := splitTarget(args[0], true)
			if err != nil {
				return err
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
			var r io.Reader = cmd.InOrStdin()
			size := int64(-1)
			if args[1] != "-" {
				f, err := os.Open(args[1])
				if err != nil {
					return err
				}
				defer f.Close()
				st, err := f.Stat()
				if err != nil {
					return err
				}
				r, size = f, st.Size()
				if contentType == "" {
					contentType = mime.TypeByExtension(filepath.Ext(args[1]))
				}
			}
			o, err := s.Put(ctx, bucket, key, r, size, contentType)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "obs://%s/%s\t%d bytes\tetag %s\n", bucket, key, o.Size, o.ETag)
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
