package moderation

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/jobs"
	"github.com/aisd/aisd/internal/platform/input"
	"github.com/aisd/aisd/internal/store"
)

// Frame sampling limits of the API (seconds).
const (
	minFrameInterval     = 1
	maxFrameInterval     = 60
	defaultFrameInterval = 5
)

// Video sides the API accepts, in pixels.
const minVideoSide, maxVideoSide = 20, 6000

var videoEventTypes = map[string]bool{"default": true}

// audioCategories are documented for audio and for a video's sound track;
// none has a model here.
var audioCategories = map[string]bool{"porn": false, "ad": false, "politics": false, "moan": false, "abuse": false}

var audioEventTypes = map[string]bool{
	"default": true, "audiobook": true, "education": true, "game": true, "live": true,
	"ecommerce": true, "voiceroom": true, "private": true,
}

// seedRe is the documented form of seed.
var seedRe = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)

type videoData struct {
	URL           *string `json:"url"`
	FrameInterval *int32  `json:"frame_interval"`
	Language      *string `json:"language"`
}

type videoBody struct {
	Data            *videoData `json:"data"`
	BizType         *string    `json:"biz_type"`
	EventType       *string    `json:"event_type"`
	ImageCategories *[]string  `json:"image_categories"`
	AudioCategories *[]string  `json:"audio_categories"`
	Callback        *string    `json:"callback"`
	Seed            *string    `json:"seed"`
}

// videoParams is both the stored job request and the query's
// request_params.
type videoParams struct {
	Data struct {
		URL           string `json:"url"`
		FrameInterval int32  `json:"frame_interval"`
	} `json:"data"`
	EventType       string   `json:"event_type"`
	ImageCategories []string `json:"image_categories"`
	Callback        *string  `json:"callback,omitempty"`
}

type frameLabel struct {
	Confidence float32 `json:"confidence"`
	Category   string  `json:"category"`
	Suggestion string  `json:"suggestion"`
	Label      string  `json:"label"`
}

type frameDetail struct {
	Suggestion string       `json:"suggestion"`
	Category   string       `json:"category"`
	Time       float32      `json:"time"`
	Detail     []frameLabel `json:"detail"`
}

type videoResult struct {
	Suggestion  string        `json:"suggestion"`
	ImageDetail []frameDetail `json:"image_detail"`
}

// videoQuery is the query response, and the stored result and callback
// body of a finished job (request_id there is the creating call's, the one
// the callback signature covers). error_code and error_msg are aisd's
// addition for failed jobs: the SDK model has no field for the reason, and
// the SDK ignores fields it does not know.
type videoQuery struct {
	RequestID     string       `json:"request_id"`
	JobID         string       `json:"job_id"`
	Status        string       `json:"status"`
	RequestParams videoParams  `json:"request_params"`
	CreateTime    string       `json:"create_time"`
	UpdateTime    string       `json:"update_time"`
	Result        *videoResult `json:"result,omitempty"`
	ErrorCode     string       `json:"error_code,omitempty"`
	ErrorMsg      string       `json:"error_msg,omitempty"`
}

type createResponse struct {
	RequestID string `json:"request_id"`
	JobID     string `json:"job_id"`
}

// videoService is the service name OBS agencies are granted for.
const videoService = "moderation.video"

// checkVideoURL validates a video URL at creation with the input policy
// (input.Resolver.Check): an object-store URL must parse and the project
// must have granted the service access; any other URL must pass the
// operator's fetch policy.
func (s *Service) checkVideoURL(ctx context.Context, projectID, raw string) error {
	return asVideo(s.in.Check(ctx, projectID, videoService, raw))
}

// asVideo gives the input failures the video API documents codes of its
// own (AIS.07xx) their video kinds: a refused URL, a server that cannot be
// reached or answers an error, a declared size over the limit.
func asVideo(err error) error {
	switch {
	case err == nil:
		return nil
	case catalog.IsKind(err, catalog.KindURLForbidden):
		return catalog.E(catalog.KindVideoURL).Wrap(err)
	case catalog.IsKind(err, catalog.KindURLFetch):
		return catalog.E(catalog.KindVideoConnect).Wrap(err)
	case catalog.IsKind(err, catalog.KindURLTooLarge), catalog.IsKind(err, catalog.KindOBSTooLarge):
		return catalog.E(catalog.KindVideoTooLarge).Wrap(err)
	}
	return err
}

// checkJobURL validates a media URL at creation, with the operator's
// fetch policy, so an unusable URL is refused before a job exists.
func (s *Service) checkJobURL(raw string, kind catalog.Kind) error {
	if _, err := s.in.Fetcher().Parse(raw); err != nil {
		return catalog.E(kind).Wrap(err)
	}
	return nil
}

// callbackLookup bounds the name lookup of a callback at creation.
const callbackLookup = 5 * time.Second

// checkCallback validates callback and seed. The callback's name is
// resolved now and judged by the fetcher's rules (operator allow-lists
// included): a callback that could never be delivered is the request's
// parameter error, not a job whose callback is retried and dropped.
func (s *Service) checkCallback(ctx context.Context, cb, seed *string) error {
	if c := api.Deref(cb); c != "" {
		u, err := s.in.Fetcher().Parse(c)
		if err == nil {
			lctx, cancel := context.WithTimeout(ctx, callbackLookup)
			err = s.in.Fetcher().CheckResolved(lctx, u)
			cancel()
		}
		if err != nil {
			return catalog.E(catalog.KindBadParam).Wrap(err)
		}
	}
	if sd := api.Deref(seed); sd != "" && !seedRe.MatchString(sd) {
		return catalog.E(catalog.KindBadParam).Wrap(errors.New("seed must be 1-64 letters, digits or underscores"))
	}
	return nil
}

func (s *Service) createVideo(ctx context.Context, c *api.Call) (any, error) {
	var b videoBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	if err := checkPolicy(b.BizType, b.EventType, videoEventTypes); err != nil {
		return nil, err
	}
	if b.Data == nil || strings.TrimSpace(api.Deref(b.Data.URL)) == "" {
		return nil, catalog.E(catalog.KindMissingParam).Wrap(errors.New("data.url is required"))
	}
	if err := s.checkVideoURL(ctx, c.ProjectID, *b.Data.URL); err != nil {
		return nil, err
	}
	fi := int32(defaultFrameInterval)
	if b.Data.FrameInterval != nil {
		fi = *b.Data.FrameInterval
		if fi < minFrameInterval || fi > maxFrameInterval {
			return nil, catalog.E(catalog.KindBadParam).Wrap(fmt.Errorf("frame_interval %d outside 1-60", fi))
		}
	}
	if l := api.Deref(b.Data.Language); l != "" && l != "zh" {
		return nil, catalog.E(catalog.KindLanguage).Wrap(errors.New("language " + l))
	}
	if len(api.Deref(b.ImageCategories)) == 0 {
		return nil, catalog.E(catalog.KindMissingParam).Wrap(errors.New("image_categories must not be empty"))
	}
	cats, err := pickCategories(*b.ImageCategories, videoImageCategories, nil)
	if err != nil {
		return nil, err
	}
	if ac := api.Deref(b.AudioCategories); len(ac) > 0 {
		if _, err := pickCategories(ac, audioCategories, nil); err != nil {
			return nil, err
		}
	}
	if err := s.checkCallback(ctx, b.Callback, b.Seed); err != nil {
		return nil, err
	}
	var p videoParams
	p.Data.URL, p.Data.FrameInterval = strings.TrimSpace(*b.Data.URL), fi
	p.EventType, p.ImageCategories = *b.EventType, cats
	if cb := api.Deref(b.Callback); cb != "" {
		p.Callback = &cb
	}
	req, err := json.Marshal(p)
	if err != nil {
		return nil, catalog.E(catalog.KindInternal).Wrap(err)
	}
	j, err := s.runner.Submit(ctx, store.Job{
		ProjectID: c.ProjectID, UserID: c.UserID, Kind: KindVideo, Request: req,
		RequestID: c.RequestID, CallbackURL: api.Deref(b.Callback), Seed: api.Deref(b.Seed),
	})
	if err != nil {
		return nil, err
	}
	return createResponse{RequestID: c.RequestID, JobID: j.ID}, nil
}

func (s *Service) queryVideo(ctx context.Context, c *api.Call) (any, error) {
	j, err := s.getJob(ctx, c, KindVideo)
	if err != nil {
		return nil, err
	}
	var q videoQuery
	if j.State == store.JobSucceeded {
		if err := json.Unmarshal(j.Result, &q); err != nil {
			return nil, catalog.E(catalog.KindInternal).Wrap(fmt.Errorf("job %s result: %w", j.ID, err))
		}
	} else if err := json.Unmarshal(j.Request, &q.RequestParams); err != nil {
		return nil, catalog.E(catalog.KindInternal).Wrap(fmt.Errorf("job %s request: %w", j.ID, err))
	}
	q.RequestID, q.JobID, q.Status = c.RequestID, j.ID, apiStatus(j.State)
	q.CreateTime, q.UpdateTime = jobs.FormatTime(j.CreatedAt), jobs.FormatTime(j.UpdatedAt)
	if j.State == store.JobFailed {
		q.ErrorCode, q.ErrorMsg = j.ErrorCode, j.ErrorMsg
	}
	return q, nil
}

// getJob returns the caller's job of the given kind; a job of another kind
// is as unknown as a missing one.
func (s *Service) getJob(ctx context.Context, c *api.Call, kind string) (store.Job, error) {
	id := strings.TrimSpace(c.PathParams["job_id"])
	if id == "" {
		return store.Job{}, catalog.E(catalog.KindMissingParam).Wrap(errors.New("job_id is empty"))
	}
	j, err := s.runner.Get(ctx, id, c.ProjectID, c.UserID)
	if err != nil {
		return store.Job{}, err
	}
	if j.Kind != kind {
		return store.Job{}, catalog.E(catalog.KindJobNotFound)
	}
	return j, nil
}

// apiStatus maps a stored state to the API's: a queued job is "running"
// to the caller, who only sees running, succeeded or failed.
func apiStatus(state string) string {
	switch state {
	case store.JobSucceeded, store.JobFailed:
		return state
	}
	return "running"
}

// CallbackBody renders the callback of a finished job for the runner
// (jobs.Options.CallbackBody). A video job's callback has the query shape
// either way, so a failed job's callback also carries the create_time and
// request_id its X-Auth-Signature covers; other kinds get the runner's
// default body.
func CallbackBody(j store.Job) ([]byte, error) {
	if j.Kind != KindVideo || (j.State == store.JobSucceeded && len(j.Result) > 0) {
		return jobs.DefaultCallbackBody(j)
	}
	q := videoQuery{
		RequestID: j.RequestID, JobID: j.ID, Status: apiStatus(j.State),
		CreateTime: jobs.FormatTime(j.CreatedAt), UpdateTime: jobs.FormatTime(j.UpdatedAt),
		ErrorCode: j.ErrorCode, ErrorMsg: j.ErrorMsg,
	}
	if err := json.Unmarshal(j.Request, &q.RequestParams); err != nil {
		return nil, fmt.Errorf("job %s request: %w", j.ID, err)
	}
	return json.Marshal(q)
}

// --- the job ---------------------------------------------------------------

// runVideo is the job handler: download, probe, sample frames, moderate.
func (s *Service) runVideo(ctx context.Context, j store.Job) ([]byte, error) {
	if s.videoErr != nil {
		return nil, catalog.E(catalog.KindVideoProcess, s.videoErr.Error()).Wrap(s.videoErr)
	}
	var p videoParams
	if err := json.Unmarshal(j.Request, &p); err != nil {
		return nil, catalog.E(catalog.KindInternal).Wrap(err)
	}
	path, err := s.fetch(ctx, j.ProjectID, p.Data.URL)
	if err != nil {
		return nil, err
	}
	defer os.Remove(path)
	info, err := s.probe(ctx, path)
	if err != nil {
		return nil, err
	}
	res, err := s.scan(ctx, path, info, int(p.Data.FrameInterval))
	if err != nil {
		return nil, err
	}
	q := videoQuery{
		RequestID: j.RequestID, JobID: j.ID, Status: store.JobSucceeded, RequestParams: p,
		CreateTime: jobs.FormatTime(j.CreatedAt), UpdateTime: jobs.FormatTime(time.Now()), Result: res,
	}
	return json.Marshal(q)
}

// fetch stores the job's video in a temporary file, streaming it through
// the input policy on behalf of the job's project (input.Resolver.Open:
// only its own buckets and only with its agency; downloads SSRF-safe on
// every dial and redirect), under the video's size cap and download time
// limit rather than the images'.
func (s *Service) fetch(ctx context.Context, projectID, raw string) (string, error) {
	src, err := s.in.Open(ctx, projectID, videoService, raw,
		input.Limits{MaxBytes: s.opt.MaxVideoBytes, Timeout: s.opt.DownloadTimeout})
	if err != nil {
		return "", asVideo(err)
	}
	defer src.Close()
	if !src.EndKnown {
		// AIS.0703 "The video size is unknown": the answer has no length,
		// no chunked framing and no compressed stream's trailer; it ends
		// when the server closes the connection, so a download cut short
		// could not be told from the whole video. A chunked or gzip-encoded
		// answer (the transport drops Content-Length when it decodes gzip)
		// is read up to the cap instead and sized by what was read.
		return "", catalog.E(catalog.KindVideoSizeUnknown).Wrap(errors.New("the video URL's answer has neither a length nor framing that marks its end"))
	}
	path, err := s.save(src)
	if err != nil && ctx.Err() != nil {
		return "", ctx.Err() // shutdown: the job is resumed later
	}
	return path, err
}

// save copies src into a temporary file. The source enforces the size cap
// and the declared length while it streams.
func (s *Service) save(src *input.Source) (string, error) {
	if err := os.MkdirAll(s.tempDir(), 0o700); err != nil {
		return "", catalog.E(catalog.KindInternal).Wrap(err)
	}
	f, err := os.CreateTemp(s.tempDir(), "video-*")
	if err != nil {
		return "", catalog.E(catalog.KindInternal).Wrap(err)
	}
	n, err := io.Copy(f, src)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	switch {
	case err != nil:
		os.Remove(f.Name())
		return "", readFailure(err, src.Object)
	case n == 0:
		os.Remove(f.Name())
		return "", catalog.E(catalog.KindVideoFormat).Wrap(errors.New("empty video"))
	}
	return f.Name(), nil
}

// readFailure names a copy that broke: past the size cap, a download that
// stopped midway (AIS.0708), an object that could not be read (the
// family's object-read error).
func readFailure(err error, object bool) error {
	switch {
	case catalog.IsKind(err, catalog.KindURLTooLarge), catalog.IsKind(err, catalog.KindOBSTooLarge):
		return catalog.E(catalog.KindVideoTooLarge).Wrap(err)
	case catalog.IsKind(err, catalog.KindOBSRead):
		return err
	case object: // the temporary file failed while copying an object
		return catalog.E(catalog.KindOBSRead).Wrap(err)
	}
	return catalog.E(catalog.KindVideoDownload).Wrap(err)
}

func (s *Service) tempDir() string {
	if s.opt.TempDir != "" {
		return s.opt.TempDir
	}
	return filepath.Join(os.TempDir(), "aisd-moderation")
}

// staleAfter is the age past which a leftover download (of a process that
// was killed mid-job) is deleted at load; no job downloads for this long.
const staleAfter = 24 * time.Hour

func (s *Service) removeStale() {
	ents, err := os.ReadDir(s.tempDir())
	if err != nil {
		return
	}
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), "video-") {
			continue
		}
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > staleAfter {
			os.Remove(filepath.Join(s.tempDir(), e.Name()))
		}
	}
}

// videoInfo is what ffprobe tells of a file.
type videoInfo struct {
	Width, Height int
	// Duration in seconds; 0 when the container does not say.
	Duration float64
}

type probeOut struct {
	Streams []struct {
		CodecType string `json:"codec_type"`
		Width     int    `json:"width"`
		Height    int    `json:"height"`
		Duration  string `json:"duration"`
	} `json:"streams"`
	Format struct {
		Duration string `json:"duration"`
	} `json:"format"`
}

// inputGuard restricts what ffprobe and ffmpeg may open: only the local
// file, and only through the demuxers of the documented containers (AVI,
// FLV, MP4/MOV, MPG, TS, WMV, RMVB; Matroska besides). A downloaded HLS
// playlist or concat script would otherwise make them read other local
// files or fetch URLs past the SSRF policy.
var inputGuard = []string{"-protocol_whitelist", "file", "-format_whitelist", "avi,flv,mov,mpeg,mpegts,asf,rm,matroska"}

// toolOutputCap bounds what is kept of a tool's stdout (ffprobe) and
// stderr, so a hostile file cannot make them balloon.
const toolOutputCap = 1 << 20

func (s *Service) probe(ctx context.Context, path string) (videoInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	var out, errb capped
	args := append([]string{"-v", "error"}, inputGuard...)
	args = append(args, "-print_format", "json",
		"-show_entries", "format=duration:stream=codec_type,width,height,duration", path)
	cmd := exec.CommandContext(ctx, s.opt.FFprobe, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil && errors.Is(ctx.Err(), context.Canceled) {
			return videoInfo{}, ctx.Err()
		}
		if cmd.ProcessState == nil { // never started: the tool is gone, not the video bad
			return videoInfo{}, catalog.E(catalog.KindVideoProcess, "ffprobe could not be run").Wrap(err)
		}
		return videoInfo{}, catalog.E(catalog.KindVideoFormat).Wrap(fmt.Errorf("ffprobe: %v: %s", err, errb.String()))
	}
	var po probeOut
	if err := json.Unmarshal(out.Bytes(), &po); err != nil {
		return videoInfo{}, catalog.E(catalog.KindVideoFormat).Wrap(fmt.Errorf("ffprobe output: %w", err))
	}
	var info videoInfo
	found := false
	for _, st := range po.Streams {
		if st.CodecType != "video" {
			continue
		}
		found = true
		info.Width, info.Height = st.Width, st.Height
		info.Duration = parseSeconds(st.Duration)
		break
	}
	if !found {
		return videoInfo{}, catalog.E(catalog.KindVideoFormat).Wrap(errors.New("no video stream"))
	}
	if d := parseSeconds(po.Format.Duration); d > 0 {
		info.Duration = d
	}
	if info.Width < minVideoSide || info.Height < minVideoSide || info.Width > maxVideoSide || info.Height > maxVideoSide {
		return videoInfo{}, catalog.E(catalog.KindVideoResolution).Wrap(fmt.Errorf("%dx%d", info.Width, info.Height))
	}
	if max := s.opt.MaxVideoDuration.Seconds(); info.Duration > max {
		return videoInfo{}, s.tooLong(info.Duration)
	}
	return info, nil
}

func (s *Service) tooLong(sec float64) error {
	d := time.Duration(sec * float64(time.Second)).Round(time.Second)
	return catalog.E(catalog.KindVideoTooLong, d.String()).Wrap(fmt.Errorf("duration %.3fs", sec))
}

func parseSeconds(v string) float64 {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
		return 0
	}
	return f
}

// scan decodes one frame every interval seconds, scaled by ffmpeg to the
// classifier's input, streamed through a pipe (no frame touches the disk),
// and moderates each. Frame k is the picture shown at k×interval seconds.
func (s *Service) scan(ctx context.Context, path string, info videoInfo, interval int) (*videoResult, error) {
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	limit := s.opt.MaxVideoDuration.Seconds()
	maxFrames := int(limit)/interval + 1
	if info.Duration > 0 {
		// Frames at 0, interval, 2×interval… before the end.
		maxFrames = max(1, int(math.Ceil(info.Duration/float64(interval))))
	}
	var errb capped
	args := append([]string{"-nostdin", "-hide_banner", "-loglevel", "error"}, inputGuard...)
	args = append(args, "-i", path, "-map", "0:v:0", "-an", "-sn", "-dn",
		// eof_action=pass: a clip shorter than half the interval still
		// yields its frame at 0 s (the default rounding drops it).
		"-vf", fmt.Sprintf("fps=1/%d:eof_action=pass,scale=%d:%d:flags=bilinear", interval, nsfwSide, nsfwSide),
		"-pix_fmt", "rgb24", "-f", "rawvideo", "pipe:1")
	cmd := exec.CommandContext(ctx, s.opt.FFmpeg, args...)
	cmd.Stderr = &errb
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, catalog.E(catalog.KindInternal).Wrap(err)
	}
	if err := cmd.Start(); err != nil {
		return nil, catalog.E(catalog.KindVideoProcess, "ffmpeg did not start").Wrap(err)
	}
	res := &videoResult{Suggestion: sugPass, ImageDetail: []frameDetail{}}
	r := bufio.NewReaderSize(stdout, 1<<16)
	frame := make([]byte, nsfwSide*nsfwSide*3)
	n := 0
	var scanErr error
	for {
		if _, err := io.ReadFull(r, frame); err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
				scanErr = err
			}
			break
		}
		if n >= maxFrames {
			if info.Duration > 0 {
				break // the fps filter's trailing frame past the end
			}
			scanErr = s.tooLong(float64(n * interval))
			break
		}
		sc, err := s.cls.ClassifyRGB(ctx, frame)
		if err != nil {
			scanErr = err
			break
		}
		if vs := s.opt.Thresholds.Judge(sc); len(vs) > 0 {
			fd := frameDetail{Suggestion: vs[0].Suggestion, Category: "porn", Time: float32(n * interval), Detail: []frameLabel{}}
			for _, v := range vs {
				fd.Detail = append(fd.Detail, frameLabel{Confidence: conf(v.Confidence), Category: "porn", Suggestion: v.Suggestion, Label: v.Label})
			}
			if severity(fd.Suggestion) > severity(res.Suggestion) {
				res.Suggestion = fd.Suggestion
			}
			res.ImageDetail = append(res.ImageDetail, fd)
		}
		n++
	}
	stoppedEarly := scanErr != nil || n >= maxFrames
	if stoppedEarly {
		cancel()
	}
	io.Copy(io.Discard, io.LimitReader(stdout, 1<<30))
	werr := cmd.Wait()
	if err := parent.Err(); err != nil {
		// Shutdown, not a fault of the video: the runner resumes the job.
		return nil, err
	}
	if scanErr != nil {
		if _, ok := catalog.From(scanErr); ok {
			return nil, scanErr
		}
		return nil, catalog.E(catalog.KindVideoProcess, "frame analysis failed").Wrap(scanErr)
	}
	if werr != nil && !stoppedEarly {
		return nil, catalog.E(catalog.KindVideoCorrupt).Wrap(fmt.Errorf("ffmpeg: %v: %s", werr, errb.String()))
	}
	if n == 0 {
		return nil, catalog.E(catalog.KindVideoCorrupt).Wrap(fmt.Errorf("no frame decoded: %s", errb.String()))
	}
	return res, nil
}

// capped is a buffer that keeps the first toolOutputCap bytes written.
type capped struct{ b bytes.Buffer }

func (c *capped) Write(p []byte) (int, error) {
	if room := toolOutputCap - c.b.Len(); room > 0 {
		c.b.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (c *capped) Bytes() []byte  { return c.b.Bytes() }
func (c *capped) String() string { return strings.TrimSpace(c.b.String()) }

// --- audio -----------------------------------------------------------------

type audioBody struct {
	Data *struct {
		URL      *string `json:"url"`
		Language *string `json:"language"`
	} `json:"data"`
	BizType    *string   `json:"biz_type"`
	EventType  *string   `json:"event_type"`
	Categories *[]string `json:"categories"`
	Callback   *string   `json:"callback"`
	Seed       *string   `json:"seed"`
}

// createAudio validates the request like the cloud does, then refuses it:
// no open speech model is installed, so no audio category can be checked,
// and a job that could only ever fail is not created.
func (s *Service) createAudio(ctx context.Context, c *api.Call) (any, error) {
	var b audioBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	if err := checkPolicy(b.BizType, b.EventType, audioEventTypes); err != nil {
		return nil, err
	}
	if b.Data == nil || strings.TrimSpace(api.Deref(b.Data.URL)) == "" {
		return nil, catalog.E(catalog.KindMissingParam).Wrap(errors.New("data.url is required"))
	}
	if err := s.checkJobURL(*b.Data.URL, catalog.KindURLForbidden); err != nil {
		return nil, err
	}
	if l := api.Deref(b.Data.Language); l != "" && l != "zh" {
		return nil, catalog.E(catalog.KindLanguage).Wrap(errors.New("language " + l))
	}
	if len(api.Deref(b.Categories)) == 0 {
		return nil, catalog.E(catalog.KindMissingParam).Wrap(errors.New("categories must not be empty"))
	}
	if err := s.checkCallback(ctx, b.Callback, b.Seed); err != nil {
		return nil, err
	}
	_, err := pickCategories(*b.Categories, audioCategories, nil)
	return nil, err
}

// queryAudio answers like the cloud for a job that does not exist (no audio
// job is ever created), keeping the ownership checks of the job store.
func (s *Service) queryAudio(ctx context.Context, c *api.Call) (any, error) {
	_, err := s.getJob(ctx, c, KindAudio)
	return nil, err
}
