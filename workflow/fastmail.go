package workflow

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/store"
	"rightsdesk/jobs/jobargs"
)

// FastMail sends an intake's code mail right after the intake commits, in
// the process that wrote it (issue 21). Through River a code mail cost as
// much PostgreSQL work again as the intake itself: the job's insert (two
// GIN indexes among its five), fetch and completion, the row's claim, the
// code check, the record in a transaction of its own. Here the intake
// writes its row already claimed by this process (claimed_until) and no
// job; after the commit the row goes to a bounded queue, a few goroutines
// send it, and one recorder marks the sent rows in one statement per
// batch. The backstop is the periodic mail_backstop job
// (jobs.MailBackstopEvery, Service.RequeueMail): it queues a River job for
// a pending row whose claim ran out without one.
//
// Guarantees (D-14, issue 17) hold as on the River path:
//   - no mail lost: a process killed before the record leaves its rows
//     pending, and the backstop queues them once their claims have run
//     out (a claim is the only thing that keeps a pending row from it);
//   - none sent twice outside D-14's window: a mail is started only while
//     its claim outlasts the send's timeout and the time its record may
//     take (fastSendTimeout, fastRecordMargin), and the backstop does not
//     queue the row before the claim runs out;
//   - a failed send is recorded as an attempt (the DPO sees it after
//     MailStuckAfter), its claim given back and a River job queued for it
//     at once: River retries it with the usual backoff; after a failure
//     the fast path stays off for fastPause, so an outage does not cost
//     every intake a failed SMTP dial;
//   - a code replaced before its mail went out is not sent (checked when
//     the mail waited longer than fastCodeCheckAfter; before that, no
//     resident can have asked for a new code).
//
// A mail the fast path cannot take (queue full, paused, closing) is
// written unclaimed with its River job due at once, in the intake's
// transaction, as before.
type FastMail struct {
	s      *Service
	sender MailSender
	queue  chan fastItem
	done   chan fastSent
	// mu guards closed against reservations; inflight counts the
	// reservations not yet handed over or given back.
	mu       sync.RWMutex
	closed   bool
	inflight sync.WaitGroup
	queued   atomic.Int64 // reserved places in queue
	paused   atomic.Int64 // unix nanoseconds until which no mail is taken
	abandon  atomic.Bool  // closing ran out of time: give mails back to River
	workers  sync.WaitGroup
	recorder sync.WaitGroup

	// Sent counts mails the fast path sent and recorded (tests, metrics).
	Sent atomic.Int64
	// Released counts mails given back to River (failure, late, closing).
	Released atomic.Int64
}

type fastItem struct {
	row   store.OutboxRow
	until time.Time // the row's claim
	made  time.Time // when the intake made the code
}

type fastSent struct {
	fastItem
	at time.Time
}

// FastMailOptions size the fast path; zero values take the defaults.
type FastMailOptions struct {
	// Senders: goroutines sending (0: 4). Below zero none: the mails stay
	// queued, as in a process killed after the commit (tests).
	Senders int
	Queue   int // mails waiting at most (256)
}

const (
	// fastClaim: how long an intake's row is claimed for the fast path.
	// A process killed with mails in its queue delays them by this much,
	// and up to jobs.MailBackstopEvery more.
	fastClaim = mailClaim
	// fastSendTimeout bounds one fast send (dial, commands, data).
	fastSendTimeout = 30 * time.Second
	// fastRecordMargin is kept between a send's end and the claim's end
	// for recording it; a batch that cannot be recorded within it is
	// retried until the claim runs out.
	fastRecordMargin = 30 * time.Second
	// fastBatchWait and fastBatchMax: a batch of sent rows is recorded
	// when it is this old or this large.
	fastBatchWait = 2 * time.Millisecond
	fastBatchMax  = 128
	// fastPause: after a failed send, intakes use River for this long.
	fastPause = 10 * time.Second
	// fastCodeCheckAfter: a mail that waited longer has its code checked
	// (a new one may have been asked for) before it is sent.
	fastCodeCheckAfter = 2 * time.Second
)

// StartFastMail starts the fast path of s's intake code mails over
// sender; Close stops it. Service.Fast must be set to it by the caller.
func (s *Service) StartFastMail(sender MailSender, o FastMailOptions) *FastMail {
	if o.Senders == 0 {
		o.Senders = 4
	}
	if o.Queue <= 0 {
		o.Queue = 256
	}
	f := &FastMail{s: s, sender: sender, queue: make(chan fastItem, o.Queue), done: make(chan fastSent, o.Queue)}
	for range max(o.Senders, 0) {
		f.workers.Add(1)
		go f.send()
	}
	f.recorder.Add(1)
	go f.record()
	return f
}

// reserve takes a place in the queue for a mail about to be committed;
// false sends the mail through River. Each true is followed by hand or
// unreserve.
func (f *FastMail) reserve(now time.Time) bool {
	if f == nil || now.UnixNano() < f.paused.Load() {
		return false
	}
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.closed {
		return false
	}
	if f.queued.Add(1) > int64(cap(f.queue)) {
		f.queued.Add(-1)
		return false
	}
	f.inflight.Add(1)
	return true
}

// unreserve gives a place back: the intake rolled back.
func (f *FastMail) unreserve() {
	f.queued.Add(-1)
	f.inflight.Done()
}

// hand queues a committed mail; its reservation guarantees a place.
func (f *FastMail) hand(it fastItem) {
	f.queue <- it
	f.inflight.Done()
}

// Close stops taking mails, sends those queued and records them. When ctx
// ends first, the mails still queued are given back to River (claim
// released, a River job queued for each).
func (f *FastMail) Close(ctx context.Context) {
	if f == nil {
		return
	}
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	stop := context.AfterFunc(ctx, func() { f.abandon.Store(true) })
	defer stop()
	// Intakes between reserve and hand (the server has stopped taking
	// requests, so only a hung transaction keeps one): past ctx the queue
	// stays open for it and the process leaves its mails to the backstop.
	handed := make(chan struct{})
	go func() { f.inflight.Wait(); close(handed) }()
	select {
	case <-handed:
	case <-ctx.Done():
		return
	}
	close(f.queue)
	f.workers.Wait()
	close(f.done)
	f.recorder.Wait()
}

// offerIntakeMail prepares an intake's code mail for the fast path before
// the intake's transaction: the row is written claimed, with no job.
// false: the River path (the row unclaimed, its job due at once).
func (s *Service) offerIntakeMail(row *store.OutboxRow, now time.Time) bool {
	if !s.Fast.reserve(now) {
		return false
	}
	until := now.Add(fastClaim)
	row.ClaimedUntil = &until
	row.MessageID = store.NewMessageID(row.ID, s.MailDomain())
	return true
}

// handIntakeMail follows offerIntakeMail after the transaction: committed
// or not (err).
func (s *Service) handIntakeMail(row store.OutboxRow, now time.Time, err error) {
	if err != nil {
		s.Fast.unreserve()
		return
	}
	s.Fast.hand(fastItem{row: row, until: *row.ClaimedUntil, made: now})
}

// send is one sending goroutine.
func (f *FastMail) send() {
	defer f.workers.Done()
	for it := range f.queue {
		f.queued.Add(-1)
		f.deliver(it)
	}
}

func (f *FastMail) deliver(it fastItem) {
	s := f.s
	now := s.Now()
	// Too late to send within the claim, closing out of time, or paused
	// by a failure meanwhile: River takes it.
	if f.abandon.Load() || now.Add(fastSendTimeout+fastRecordMargin).After(it.until) || now.UnixNano() < f.paused.Load() {
		f.release(it, nil)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), fastSendTimeout)
	defer cancel()
	if it.row.CodeHash != nil && now.Sub(it.made) > fastCodeCheckAfter {
		current, err := store.New(s.Pool).OutboxCodeCurrent(ctx, it.row)
		if err != nil {
			f.release(it, nil)
			return
		}
		if !current {
			s.Logger.Info("mail not sent: its code was replaced", "outbox", it.row.ID, "kind", it.row.Kind)
			f.release(it, errCodeReplaced)
			return
		}
	}
	raw, from, to, err := s.outboxMessage(it.row, now)
	if err == nil {
		err = f.sender.Send(ctx, from, to, raw)
	}
	if err == nil {
		f.done <- fastSent{fastItem: it, at: s.Now()}
		return
	}
	f.paused.Store(s.Now().Add(fastPause).UnixNano())
	f.release(it, err)
}

var errCodeReplaced = errors.New("code replaced")

// release gives a mail back to River: a failed send is recorded as an
// attempt (which also ends the claim; a permanent failure ends the row)
// and anything else but a replaced code only ends the claim; a River job
// is queued for it, due at once (it finds the row failed and ends, or
// delivers it). A replaced code cancels the row, which needs no job.
func (f *FastMail) release(it fastItem, cause error) {
	s := f.s
	f.Released.Add(1)
	if cause != nil && !errors.Is(cause, errCodeReplaced) {
		// Logged and recorded like a River attempt (attempt 1).
		if err := s.recordFailure(it.row, 1, cause, false); err != nil && !errors.Is(err, cause) {
			s.Logger.Error("fast mail: recording a failed send", "outbox", it.row.ID, "err", err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := s.tx(ctx, func(tx pgx.Tx, q *store.Q) error {
		var err error
		if errors.Is(cause, errCodeReplaced) {
			return q.CancelOutbox(ctx, it.row.ID)
		}
		if cause == nil {
			if err = q.UnclaimOutbox(ctx, it.row.ID); err != nil {
				return err
			}
		}
		_, err = s.River.InsertTx(ctx, tx, jobargs.DeliverMail{OutboxID: it.row.ID}, jobOpts(s.Now(), nil))
		return err
	})
	if err != nil {
		// The backstop queues it once the claim runs out.
		s.Logger.Error("fast mail: giving a mail back to River", "outbox", it.row.ID, "err", err)
	}
}

// record is the one recording goroutine: it batches sent rows.
func (f *FastMail) record() {
	defer f.recorder.Done()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for first := range f.done {
		batch := []fastSent{first}
		timer.Reset(fastBatchWait)
	collect:
		for len(batch) < fastBatchMax {
			select {
			case x, ok := <-f.done:
				if !ok {
					break collect
				}
				batch = append(batch, x)
			case <-timer.C:
				break collect
			}
		}
		timer.Stop()
		f.flush(batch)
	}
}

// flush records a batch, retrying while the earliest claim lasts: a
// batch not recorded by then is sent again by the backstops (the mail
// server has it: the duplicate D-14 allows, as for a process killed
// before its record).
func (f *FastMail) flush(batch []fastSent) {
	s := f.s
	ids := make([]int64, len(batch))
	until := batch[0].until
	at := batch[0].at
	for i, b := range batch {
		ids[i] = b.row.ID
		until = minTime(until, b.until)
		at = maxTime(at, b.at)
	}
	err := s.whileClaimed(until, f.abandon.Load, func() error { return f.flushOnce(batch, ids, at) }, func(err error) {
		s.Logger.Warn("fast mail: recording sent mails, will retry", "count", len(batch), "first_outbox", ids[0], "err", err)
	})
	if err != nil {
		s.Logger.Error("fast mail: sent mails not recorded; the backstop will send them again", "count", len(batch), "first_outbox", ids[0], "err", err)
		return
	}
	f.Sent.Add(int64(len(batch)))
}

func (f *FastMail) flushOnce(batch []fastSent, ids []int64, at time.Time) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	q := store.New(f.s.Pool)
	if err := q.MarkOutboxSentMany(ctx, ids, at); err != nil {
		return err
	}
	// A code sent soon after it was made runs (nearly) its whole TTL from
	// sending already; the others start at sending (issue 17).
	for _, b := range batch {
		if b.row.CodeHash != nil && b.at.Sub(b.made) >= codeExtendSlackFast {
			if err := q.ExtendOutboxCode(ctx, b.row, b.at); err != nil {
				return fmt.Errorf("outbox %d: %w", b.row.ID, err)
			}
		}
	}
	return nil
}

// codeExtendSlackFast: as store's codeExtendSlack, which makes the
// extension a no-op for codes sent this soon.
const codeExtendSlackFast = 30 * time.Second

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
