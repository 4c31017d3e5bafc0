/**
 * Camera-to-screen latency of a WebRTC stream, from RTP timestamps alone (no I/O: fed the
 * timestamps of frames sent and shown, it answers latencies).
 *
 * The server sends each result with the presentation time of the frame it came from, and
 * aiortc's sender adds a constant random origin of its own: the RTP timestamp of an output
 * frame is (the input frame's RTP timestamp + a constant) modulo 2^32. The constant is not
 * told to the page; it is found by voting: each output frame shown votes for its
 * difference to every input frame recently sent. The true constant gets one vote from every
 * output; any other difference only from the outputs whose input happened to be sent that
 * exact interval after another one, which camera jitter (Chrome stamps frames with their
 * capture time) makes a minority.
 *
 * So, while the input of every recent output is still remembered, no other offset can get
 * more votes than the true one: the answer is right or there is none. There is none while
 * another offset has as many votes (inputs sent at perfectly regular intervals), and when
 * the inputs are forgotten before their outputs come back (a latency longer than
 * {@link SENT_WINDOW} frames): the leader must then also have the votes of
 * {@link AGREEMENT} of the recent outputs, which a chance difference does not get.
 */

const RTP_MODULO = 2 ** 32;
/** Input frames remembered (about 8.5 s at 30 fps: longer than any latency worth showing). */
export const SENT_WINDOW = 256;
/** Output frames whose votes count (the newest ones). */
export const VOTE_WINDOW = 30;
/** Votes the leading offset needs before latencies are answered. */
export const MIN_VOTES = 3;
/** The share of the recent output frames that must have voted for the leading offset. */
export const AGREEMENT = 0.9;

/**
 * @param {number} a an RTP timestamp
 * @param {number} b an RTP timestamp
 * @returns {number} `a - b` modulo 2^32, in [0, 2^32)
 */
export function rtpDifference(a, b) {
  return (((a - b) % RTP_MODULO) + RTP_MODULO) % RTP_MODULO;
}

/**
 * Matches the output frames shown to the input frames sent by their RTP timestamps and
 * answers each output's latency: the time it was shown minus the time its input was sent
 * (both `performance.now()` milliseconds of the page).
 */
export class RtpLatency {
  /**
   * @param {{sentWindow?: number, voteWindow?: number, minVotes?: number}} [options]
   */
  constructor({ sentWindow = SENT_WINDOW, voteWindow = VOTE_WINDOW, minVotes = MIN_VOTES } = {}) {
    this.sentWindow = sentWindow;
    this.voteWindow = voteWindow;
    this.minVotes = minVotes;
    /** @type {Map<number, number>} RTP timestamp -> send time, oldest first */
    this.sentAt = new Map();
    /** @type {Map<number, number>} candidate offset -> votes of the recent output frames */
    this.tally = new Map();
    /** @type {number[][]} the candidates each recent output frame voted for, oldest first */
    this.ballots = [];
  }

  /**
   * An input frame left the page (the first time counts; the oldest beyond the window
   * are forgotten).
   * @param {number} rtpTimestamp its RTP timestamp
   * @param {number} at when (performance.now() ms)
   */
  sent(rtpTimestamp, at) {
    if (this.sentAt.has(rtpTimestamp)) return;
    this.sentAt.set(rtpTimestamp, at);
    if (this.sentAt.size > this.sentWindow) this.sentAt.delete(this.sentAt.keys().next().value);
  }

  /**
   * An output frame was shown: it votes, then its latency is answered if the offset is
   * known and its input frame is still remembered.
   * @param {number} rtpTimestamp its RTP timestamp
   * @param {number} at when it was shown (performance.now() ms)
   * @returns {number|null} milliseconds from its input's sending to `at`, or null
   */
  shown(rtpTimestamp, at) {
    this.vote(rtpTimestamp);
    const offset = this.offset;
    if (offset === null) return null;
    const sentAt = this.sentAt.get(rtpDifference(rtpTimestamp, offset));
    return sentAt === undefined ? null : at - sentAt;
  }

  /** @param {number} rtpTimestamp an output frame's: one vote per distinct difference */
  vote(rtpTimestamp) {
    const ballot = [...new Set([...this.sentAt.keys()].map((sent) => rtpDifference(rtpTimestamp, sent)))];
    for (const candidate of ballot) this.tally.set(candidate, (this.tally.get(candidate) ?? 0) + 1);
    this.ballots.push(ballot);
    if (this.ballots.length <= this.voteWindow) return;
    for (const candidate of this.ballots.shift()) {
      const votes = this.tally.get(candidate) - 1;
      if (votes === 0) this.tally.delete(candidate);
      else this.tally.set(candidate, votes);
    }
  }

  /**
   * @returns {number|null} the offset (output minus input, modulo 2^32) that has at least
   *   `minVotes` votes, those of {@link AGREEMENT} of the recent output frames, and
   *   strictly more than any other; null while there is none
   */
  get offset() {
    let best = null;
    let bestVotes = 0;
    let runnerUp = 0;
    for (const [candidate, votes] of this.tally) {
      if (votes > bestVotes) {
        runnerUp = bestVotes;
        best = candidate;
        bestVotes = votes;
      } else if (votes > runnerUp) {
        runnerUp = votes;
      }
    }
    const agreed = bestVotes >= AGREEMENT * this.ballots.length;
    return bestVotes >= this.minVotes && bestVotes > runnerUp && agreed ? best : null;
  }
}
