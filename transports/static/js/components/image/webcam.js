/** The camera behind an Image's webcam source: its preview and the pictures captured from it. */

/** The quality of the JPEG pictures the page makes (stream frames, a live track's last picture). */
export const JPEG_QUALITY = 0.9;

/**
 * A camera shown in a `<video>` preview, whose current picture can be captured. With
 * `mirror` the preview is flipped and so are the captured pictures (as Gradio does); a
 * WebRTC stream sends the camera's track itself, not mirrored (see {@link WebRtcStream}).
 */
export class Webcam {
  /**
   * @param {HTMLVideoElement} video the preview element
   * @param {{mirror?: boolean, constraints?: object|null}} options Image's `webcam_options`
   */
  constructor(video, options) {
    this.video = video;
    this.mirror = options?.mirror ?? true;
    this.constraints = options?.constraints ?? null;
    this.stream = null;
    this.canvas = document.createElement("canvas");
    this.video.classList.toggle("mirrored", this.mirror);
  }

  /** @returns {boolean} whether the camera is on */
  get active() {
    return this.stream !== null && this.stream.getVideoTracks().some((t) => t.readyState === "live");
  }

  /**
   * Turn the camera on (no-op when on). Rejects with getUserMedia's error.
   * @param {() => void} onEnded called if the camera stops by itself (unplugged, revoked)
   */
  async start(onEnded) {
    if (this.active) return;
    const stream = await navigator.mediaDevices.getUserMedia({
      video: this.constraints ?? true,
      audio: false,
    });
    this.stream = stream;
    for (const track of stream.getVideoTracks()) track.addEventListener("ended", onEnded);
    this.video.srcObject = stream;
    await this.video.play();
  }

  /** Turn the camera off. */
  stop() {
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    this.stream = null;
    this.video.srcObject = null;
  }

  /**
   * @param {string} [type] the image MIME type
   * @returns {Promise<Blob|null>} the current picture, encoded (null when no picture yet)
   */
  capture(type = "image/jpeg") {
    const { videoWidth: width, videoHeight: height } = this.video;
    if (!this.active || !width || !height) return Promise.resolve(null);
    this.canvas.width = width;
    this.canvas.height = height;
    const context = this.canvas.getContext("2d");
    context.setTransform(this.mirror ? -1 : 1, 0, 0, 1, this.mirror ? width : 0, 0);
    context.drawImage(this.video, 0, 0, width, height);
    return new Promise((resolve) => this.canvas.toBlob(resolve, type, JPEG_QUALITY));
  }
}
