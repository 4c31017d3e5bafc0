/**
 * The rendered app: its components laid out from /config, the wiring of its events, the
 * calls they make and the streams they run.
 */

import { createBlock, ImageBlock, TimerBlock } from "./components/index.js";
import { nextPaint } from "./dom.js";
import { createLayout, isLayoutType } from "./layouts.js";
import { notify, page, setTransport, showNotice } from "./page.js";
import { refusal } from "./protocol.js";
import { closePeers as closeEveryPeer } from "./streams/webrtc.js";
import { STREAM_TRANSPORTS } from "./streams/transports.js";

const FALLBACK_NOTE = "WebRTC could not connect; streaming over WebSocket instead";
/** Completion reasons after which nothing ran, so chained events do not fire. */
const NOT_RUN_REASONS = new Set(["skipped", "superseded"]);
/** Completion reasons of a job that went wrong (`success` events do not fire). */
const FAILED_REASONS = new Set(["error", "validation"]);
/** How often a running call's timer is redrawn. */
const CLOCK_TICK_MS = 100;

/**
 * The rendered app: its components, its events and the runs of those events.
 */
export class App {
  /**
   * @param {object} config the app description (GET /config)
   * @param {Stats} stats
   * @param {string} transport the stream transport (a key of {@link STREAM_TRANSPORTS})
   */
  constructor(config, stats, transport) {
    this.config = config;
    this.stats = stats;
    this.transport = transport;
    this.connection = null;
    /** @type {Map<number, Block>} */
    this.blocks = new Map();
    this.componentConfigs = new Map(config.components.map((c) => [c.id, c]));
    /** @type {Map<string, {dep: object, when: string}[]>} chained events by parent dep id */
    this.chains = new Map();
    this.loadDeps = [];
    /** @type {Map<ImageBlock, object[]>} stream events by webcam image */
    this.streamDeps = new Map();
    /** @type {Map<ImageBlock, object[]>} running stream transports by webcam image */
    this.streams = new Map();
  }

  /** @returns {BlockServices} */
  services() {
    return {
      upload: (name, bytes) => this.connection.upload(name, bytes),
      startStreams: (image) => this.startStreams(image),
      stopStreams: (image) => this.stopStreams(image),
      componentConfig: (id) => this.componentConfigs.get(id),
      emit: (id, event) => this.blocks.get(id)?.emit(event),
    };
  }

  /**
   * Render the layout tree (`config.layout`; without one, every component in order) into
   * `main`; components that are in no layout (made with `render=False`) are made but not shown.
   * @param {HTMLElement} main
   */
  render(main) {
    const services = this.services();
    main.replaceChildren();
    const components = this.config.components;
    const layout = this.config.layout ?? { id: 0, children: components.map(({ id }) => ({ id })) };
    this.renderChildren(layout.children ?? [], (element) => main.append(element), services);
    for (const [index, config] of components.entries()) {
      if (!this.blocks.has(config.id) && !isLayoutType(config.type)) {
        this.blocks.set(config.id, createBlock(config, index, services));
      }
    }
    this.wire();
    for (const block of this.blocks.values()) if (block instanceof ImageBlock) block.refresh();
  }

  /**
   * @param {{id: number, children?: object[]}[]} nodes entries of the layout tree
   * @param {(element: HTMLElement, config: object, child: object) => void} place puts a child's element
   * @param {BlockServices} services
   */
  renderChildren(nodes, place, services) {
    for (const node of nodes) {
      const config = this.componentConfigs.get(node.id);
      if (!config) continue;
      if (isLayoutType(config.type)) {
        const layout = createLayout(config);
        this.blocks.set(config.id, layout);
        place(layout.root, config, layout);
        this.renderChildren(node.children ?? [], (element, childConfig, child) => layout.add(element, childConfig, child), services);
      } else {
        const index = this.config.components.indexOf(config);
        const block = createBlock(config, index, services);
        this.blocks.set(config.id, block);
        if (block.root && config.props?.visible !== false) place(block.root, config, block);
      }
    }
  }

  /** Connect every dependency to what triggers it. */
  wire() {
    for (const dep of this.config.dependencies) {
      if (dep.js) console.info(`streamcore: the js of the event "${dep.api_name}" is ignored by this page.`);
      for (const [source, event] of dep.targets) this.wireTarget(dep, source, event);
    }
  }

  /**
   * @param {object} dep a config dependency
   * @param {number|string} source a component id or "dep:<id>"
   * @param {string} event
   */
  wireTarget(dep, source, event) {
    if (typeof source === "string" && source.startsWith("dep:")) {
      const parent = source.slice("dep:".length);
      if (!this.chains.has(parent)) this.chains.set(parent, []);
      this.chains.get(parent).push({ dep, when: event });
      return;
    }
    const block = this.blocks.get(source);
    if (block && event === "stream" && block instanceof ImageBlock) {
      this.addStreamDep(block, dep);
    } else if (block) {
      block.on(event, (eventData) => this.trigger(dep, eventData));
    } else if (event === "load") {
      this.loadDeps.push(dep);
    } else {
      console.info(`streamcore: the event "${dep.api_name}" listens to an unknown target ${source}.${event}.`);
    }
  }

  /**
   * @param {ImageBlock} image a webcam image
   * @param {object} dep a stream event that takes its frames
   */
  addStreamDep(image, dep) {
    if (!this.streamDeps.has(image)) this.streamDeps.set(image, []);
    this.streamDeps.get(image).push(dep);
    image.enableStreaming();
  }

  /**
   * Connect to the server, then run the load events and start the timers.
   * @param {Connection} connection
   */
  start(connection) {
    this.connection = connection;
    for (const dep of this.loadDeps) this.trigger(dep, null);
    for (const block of this.blocks.values()) if (block instanceof TimerBlock) block.start();
  }

  // -- calls -----------------------------------------------------------------------------------

  /**
   * Run an event once (a `submit`); stream events start from their webcam instead.
   * @param {object} dep
   * @param {object|null} eventData
   */
  async trigger(dep, eventData) {
    if (dep.connection === "stream") return;
    const run = this.beginRun(dep);
    this.startClock(run);
    const data = await this.inputPayloads(dep, null);
    const handlers = {
      estimation: (message) => this.showRunProgress(run, queueText(message)),
      started: () => this.showRunProgress(run, "Running…"),
      progress: (message) => this.showRunProgress(run, ...progressText(message.progress_data)),
      log: (message) => showLog(message),
      output: (message) => this.applyOutputs(run, message.data),
      completed: (message) => this.finishRun(run, message),
      error: (message) => notify("error", message.message, { title: `Refused (${message.code})` }),
    };
    const message = { type: "submit", api_name: dep.api_name, data, event_data: eventData };
    try {
      await this.connection.request(message, handlers);
    } catch (error) {
      this.finishRun(run, refusal(error));
    }
  }

  /**
   * Start tracking a run: clear the inputs' old messages and show progress on the outputs.
   * @param {object} dep
   * @returns {{dep: object, token: symbol, outputsApplied: boolean}}
   */
  beginRun(dep) {
    const run = { dep, token: Symbol(dep.api_name), outputsApplied: false, startedAt: performance.now() };
    for (const block of this.rendered([...dep.inputs, ...dep.outputs])) block.clearMessage();
    this.showRunProgress(run, "Waiting…");
    return run;
  }

  /**
   * @param {{dep: object, token: symbol}} run
   * @param {string} text shown on the run's progress components (per `show_progress`)
   * @param {number|null} [fraction] how far the run has got (a bar), if known
   */
  showRunProgress(run, text, fraction = null) {
    run.status = { text, fraction };
    if (run.dep.show_progress === "hidden") return;
    const shown = run.clock ? `${text} ${secondsSince(run.startedAt)}` : text;
    for (const block of this.progressBlocks(run.dep)) block.setProgress(run.token, shown, fraction);
  }

  /**
   * Count a call's seconds on its progress components while it waits and runs (Gradio's
   * timer); {@link finishRun} stops it and shows the total on each output.
   * @param {{startedAt: number, status?: {text: string, fraction: number|null}}} run
   */
  startClock(run) {
    run.clock = setInterval(() => {
      if (run.status) this.showRunProgress(run, run.status.text, run.status.fraction);
    }, CLOCK_TICK_MS);
    if (run.status) this.showRunProgress(run, run.status.text, run.status.fraction);
  }

  /** @param {object} dep @returns {Block[]} where the event's progress shows */
  progressBlocks(dep) {
    return this.rendered(dep.show_progress_on ?? dep.outputs);
  }

  /** @param {number[]} ids @returns {Block[]} those components that are rendered (not layouts) */
  rendered(ids) {
    return ids.map((id) => this.blocks.get(id)).filter((block) => block?.root && !block.isLayout);
  }

  /**
   * @param {object} dep
   * @param {number|null} frameIndex the stream's frame input (sent as null), if any
   * @returns {Promise<any[]>} one value per input
   */
  inputPayloads(dep, frameIndex) {
    return Promise.all(
      dep.inputs.map((id, index) => (index === frameIndex ? null : this.blocks.get(id)?.payload() ?? null)),
    );
  }

  /**
   * Show outputs: `data` has one value per output; a binary image goes to its index, and
   * an image on a WebRTC video track is already playing there.
   * @param {{dep: object, outputsApplied: boolean}} run
   * @param {any[]} data
   * @param {StreamImage|null} [image]
   */
  applyOutputs(run, data, image = null) {
    run.outputsApplied = true;
    run.dep.outputs.forEach((id, index) => {
      const block = this.blocks.get(id);
      if (!block) return;
      const value = data[index] ?? null;
      if (image && index === image.index && block instanceof ImageBlock) {
        if (image.bytes) block.showBytes(image.bytes, image.mime);
      } else if (isUpdate(value)) {
        const { __type__: _, value: newValue, ...props } = value;
        if (Object.keys(props).length > 0) block.update(props);
        if ("value" in value) block.setValue(newValue ?? null);
      } else {
        block.setValue(value);
      }
    });
  }

  /**
   * A run ended: show its final outputs, errors or validation messages, then run the
   * events chained to it.
   * @param {{dep: object, token: symbol, outputsApplied: boolean}} run
   * @param {object} message `completed` (or a page-made equivalent)
   */
  finishRun(run, message) {
    for (const block of this.progressBlocks(run.dep)) block.clearProgress(run.token);
    if (run.clock) {
      clearInterval(run.clock);
      run.clock = null;
      const took = secondsSince(run.startedAt);
      const ran = !NOT_RUN_REASONS.has(message.reason) && run.dep.show_progress !== "hidden";
      if (ran) for (const block of this.rendered(run.dep.outputs)) block.showDuration(took);
    }
    if (message.data && !run.outputsApplied && !FAILED_REASONS.has(message.reason)) {
      this.applyOutputs(run, message.data);
    }
    if (message.error) this.showError(run.dep, message.error);
    if (message.validation) this.showValidation(run.dep, message.validation);
    this.runChains(run.dep, message);
  }

  /**
   * @param {object} dep
   * @param {{message: string, title?: string, duration?: number|null, visible?: boolean}} error
   */
  showError(dep, error) {
    const text = error.message || "Something went wrong.";
    for (const block of this.progressBlocks(dep)) block.showMessage(text);
    if (error.visible === false) page.lastError = text;
    else notify("error", text, { title: error.title ?? "Error", duration: error.duration ?? null });
  }

  /**
   * Show each refused input's message next to it (entries are in input order).
   * @param {object} dep
   * @param {{parameter_name: string, is_valid: boolean, message: string}[]} results
   */
  showValidation(dep, results) {
    results.forEach((result, index) => {
      if (result.is_valid) return;
      const text = result.message || `${result.parameter_name} is not valid`;
      const block = this.blocks.get(dep.inputs[index]);
      if (block?.root) block.showMessage(text);
      else notify("error", text, { title: `Invalid ${result.parameter_name}` });
    });
    page.lastError = results.find((result) => !result.is_valid)?.message ?? page.lastError;
  }

  /**
   * Run the events chained to `dep`: `then` after any run, `success` after a good one.
   * @param {object} dep
   * @param {{reason: string, success: boolean}} message its completion
   */
  runChains(dep, message) {
    if (NOT_RUN_REASONS.has(message.reason)) return;
    const succeeded = message.success && !FAILED_REASONS.has(message.reason);
    for (const { dep: next, when } of this.chains.get(String(dep.id)) ?? []) {
      if (when === "then" || (when === "success" && succeeded)) this.trigger(next, null);
    }
  }

  // -- streams -----------------------------------------------------------------------------------

  /** @param {ImageBlock} image start every stream event fed by this webcam */
  startStreams(image) {
    for (const dep of this.streamDeps.get(image) ?? []) this.openStream(image, dep);
  }

  /** @param {ImageBlock} image stop (the user's Stop) every stream fed by this webcam */
  stopStreams(image) {
    for (const stream of this.streams.get(image) ?? []) stream.close();
  }

  /**
   * Open one stream event with its transport; it rejoins by itself after its time limit
   * while the camera is still on.
   * @param {ImageBlock} image the webcam
   * @param {object} dep the stream event
   */
  async openStream(image, dep) {
    const run = this.beginRun(dep);
    const frameIndex = streamFrameIndex(dep, image, this.componentConfigs);
    // the server sends the first Image output on the WebRTC video track
    const trackIndex = dep.outputs.findIndex((id) => this.componentConfigs.get(id)?.type === "image");
    const trackBlock = trackIndex >= 0 ? this.blocks.get(dep.outputs[trackIndex]) : null;
    const Transport = STREAM_TRANSPORTS[this.transport];
    const hooks = {
      capture: () => image.captureFrame(),
      camera: () => image.webcam.stream,
      mirror: () => image.webcam.mirror,
      estimation: (message) => this.showStreamStatus(image, run, queueText(message)),
      started: (message) => {
        image.showTimeLimit(message.time_limit ?? null);
        this.showStreamStatus(image, run, streamingText(message));
      },
      output: (data, streamImage) => this.applyOutputs(run, data, streamImage),
      frameError: (message) => image.showMessage(`A frame was refused: ${message.error?.message ?? "unknown error"}`),
      completed: (message) => end(message),
      painted: () => (trackBlock ? trackBlock.painted() : nextPaint()),
      remoteStream: (media) => trackBlock?.showTrack(media) ?? null,
      remoteEnded: (media) => trackBlock?.endTrack(media),
      fallback: (reason) => this.fellBack(reason),
    };
    const stream = new Transport(this.connection, dep, this.stats, hooks, {
      rtcConfiguration: this.config.rtc_configuration ?? null,
      trackIndex,
    });
    this.addStream(image, stream);
    const stopFollowing = this.followInputs(dep, frameIndex, stream);
    const end = (message) => {
      stopFollowing();
      this.streamEnded(image, dep, run, stream, message);
    };
    try {
      await stream.open(await this.inputPayloads(dep, frameIndex));
    } catch (error) {
      end(refusal(error));
    }
  }

  /**
   * A WebRTC stream could not connect and now runs over the WebSocket: so do the streams
   * started from now on, and the page says so.
   * @param {string} reason
   */
  fellBack(reason) {
    console.info(`streamcore: WebRTC could not connect (${reason}); streaming over WebSocket.`);
    if (this.transport === "websocket") return;
    this.transport = "websocket";
    setTransport("websocket");
    showNotice(`${FALLBACK_NOTE} (${reason}).`);
  }

  /** Close every peer connection at once (the page is going away). */
  closePeers() {
    closeEveryPeer();
  }

  /**
   * @param {ImageBlock} image
   * @param {{dep: object, token: symbol}} run
   * @param {string} text shown on the webcam image and the run's progress components
   */
  showStreamStatus(image, run, text) {
    image.setProgress(run.token, text);
    this.showRunProgress(run, text);
  }

  /**
   * Send a stream's other inputs again whenever one of them changes.
   * @param {object} dep
   * @param {number} frameIndex
   * @param {{updateInputs: (data: any[]) => void}} stream
   * @returns {() => void} stops following
   */
  followInputs(dep, frameIndex, stream) {
    const stops = dep.inputs
      .filter((_, index) => index !== frameIndex)
      .map((id) => this.blocks.get(id))
      .filter(Boolean)
      .map((block) =>
        block.on("change", async () => stream.updateInputs(await this.inputPayloads(dep, frameIndex))),
      );
    return () => stops.forEach((stop) => stop());
  }

  /** @param {ImageBlock} image @param {object} stream a running stream of that webcam */
  addStream(image, stream) {
    if (!this.streams.has(image)) this.streams.set(image, []);
    this.streams.get(image).push(stream);
  }

  /**
   * A stream ended: finish its run, rejoin after a time limit while the camera is on
   * (as Gradio does, with a note), and reset the controls once no stream is left.
   * @param {ImageBlock} image
   * @param {object} dep
   * @param {object} run
   * @param {object} stream
   * @param {object} message `completed`
   */
  streamEnded(image, dep, run, stream, message) {
    this.streams.set(image, (this.streams.get(image) ?? []).filter((s) => s !== stream));
    image.clearProgress(run.token);
    image.showTimeLimit(null);
    this.finishRun(run, message);
    if (message.reason === "time_limit" && image.streaming && image.webcamActive) {
      image.setNote(`The stream reached its time limit of ${dep.time_limit} s and rejoined.`);
      this.openStream(image, dep);
      return;
    }
    if (message.error) image.showMessage(message.error.message ?? "The stream failed.");
    if (!this.streams.get(image)?.length && image.streaming) image.stopStreaming();
  }
}

/**
 * @param {object} dep a stream event
 * @param {ImageBlock} image the webcam that feeds it
 * @param {Map<number, object>} configs component configs by id
 * @returns {number} the input that receives the frames: this image if it is an input, else
 *   the first Image input (the server's choice)
 */
function streamFrameIndex(dep, image, configs) {
  const own = dep.inputs.indexOf(image.id);
  return own >= 0 ? own : dep.inputs.findIndex((id) => configs.get(id)?.type === "image");
}

/**
 * @param {unknown} value an output value
 * @returns {boolean} whether it is a fn's update of the component (`gr.update(...)`)
 */
function isUpdate(value) {
  return value !== null && typeof value === "object" && value.__type__ === "update";
}

/**
 * What a `progress` message says: the levels' descriptions and counts, and the innermost
 * level's fraction (for the bar) when it has one.
 * @param {{index: number|null, length: number|null, unit: string|null, progress: number|null, desc: string|null}[]} levels
 * @returns {[string, number|null]}
 */
function progressText(levels) {
  const parts = levels.map((level) => {
    let figure = "";
    if (level.progress !== null && level.progress !== undefined) figure = `${Math.round(level.progress * 100)}%`;
    else if (level.index !== null && level.length) figure = `${level.index}/${level.length} ${level.unit ?? ""}`.trim();
    else if (level.index !== null) figure = `${level.index} ${level.unit ?? ""}`.trim();
    return [level.desc, figure].filter(Boolean).join(" ");
  });
  const last = levels.at(-1);
  let fraction = null;
  if (last?.progress !== null && last?.progress !== undefined) fraction = last.progress;
  else if (last && last.index !== null && last.length) fraction = last.index / last.length;
  return [parts.filter(Boolean).join(" · ") || "Running…", fraction];
}

/**
 * Show a fn's `gr.Info` / `gr.Warning` / `gr.Success` as a toast (not when `visible` is
 * false); a `duration` of null or 0 keeps it until closed.
 * @param {{log: string, level: string, title: string, duration: number|null, visible: boolean}} message
 */
function showLog(message) {
  if (message.visible === false) return;
  const duration = message.duration ? message.duration : null;
  notify(message.level, message.log, { title: message.title, duration });
}

/** @param {number} start a `performance.now()` @returns {string} the seconds since, as "1.2s" */
function secondsSince(start) {
  return `${((performance.now() - start) / 1000).toFixed(1)}s`;
}

/** @param {{rank: number, queue_size: number}} message @returns {string} */
function queueText(message) {
  return `In queue: ${message.rank + 1} of ${message.queue_size}`;
}

/** @param {{time_limit?: number|null}} message `started` @returns {string} */
function streamingText(message) {
  return message.time_limit ? `Streaming (time limit ${message.time_limit} s)` : "Streaming";
}
