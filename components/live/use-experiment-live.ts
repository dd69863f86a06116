"use client";
// Live updates of one experiment over socket.io: joins with the last event seq seen, so after a
// dropped connection the server replays exactly what was missed (or, when that is more than it
// replays, the latest events and `reload`: the page refetches its snapshot). Events reach the callback in
// one batch per animation frame: drawn as soon as the browser can draw, and a busy run (hundreds
// of events a second) still costs one update per frame, not one per message. Metric points and
// heartbeats feed only the charts and the table's heartbeat times, which redraw about once a
// second; they come in batches every SLOW_MS.
import { useEffect, useRef, useState } from "react";
import { getSocket, type JoinAck, type LiveEvent, type LiveHeartbeat, type LiveMetrics } from "./socket";
import { batcher, frameBatcher } from "./throttle";

const SLOW_MS = 1_000;

export type Connection = "connecting" | "live" | "offline" | "error";

export interface LiveHandlers {
  onEvents(events: LiveEvent[]): void;
  onMetrics(messages: LiveMetrics[]): void;
  onHeartbeats(messages: LiveHeartbeat[]): void;
  /**
   * After a reconnect (live-only messages, metrics and heartbeats, were lost), or a join the server
   * answered with `reload` (events were skipped, being too many to replay): refetch.
   */
  onResumed(): void;
}

/** `startSeq`: the seq to replay after on the first join (null: wait, the page is loading). */
export function useExperimentLive(name: string, startSeq: number | null, handlers: LiveHandlers): { connection: Connection } {
  const [connection, setConnection] = useState<Connection>("connecting");
  const handlersRef = useRef(handlers);
  useEffect(() => {
    handlersRef.current = handlers;
  });

  useEffect(() => {
    if (startSeq === null) return;
    const socket = getSocket();
    let seq = startSeq;
    let experimentId: number | null = null;
    let joinedBefore = false;
    const events = frameBatcher<LiveEvent>((batch) => handlersRef.current.onEvents(batch));
    const metrics = batcher<LiveMetrics>((batch) => handlersRef.current.onMetrics(batch), SLOW_MS);
    const heartbeats = batcher<LiveHeartbeat>((batch) => handlersRef.current.onHeartbeats(batch), SLOW_MS);

    const join = () => {
      setConnection("connecting");
      socket.emit("join", { experiment: name, afterSeq: seq }, (ack: JoinAck) => {
        if (!ack.ok) {
          setConnection("error");
          return;
        }
        experimentId = ack.experimentId;
        // The events that follow the answer start after ack.afterSeq.
        if (ack.reload) seq = ack.afterSeq;
        setConnection("live");
        if (joinedBefore || ack.reload) handlersRef.current.onResumed();
        joinedBefore = true;
      });
    };
    const onEvent = (event: LiveEvent) => {
      if (experimentId !== null && event.experimentId !== experimentId) return;
      if (event.seq <= seq) return; // already seen (the server never repeats, but be safe)
      seq = event.seq;
      events.push(event);
    };
    const onMetrics = (m: LiveMetrics) => {
      if (m.experimentId === experimentId) metrics.push(m);
    };
    const onHeartbeat = (h: LiveHeartbeat) => {
      if (h.experimentId === experimentId) heartbeats.push(h);
    };
    const onDisconnect = () => setConnection("offline");

    socket.on("connect", join);
    socket.on("disconnect", onDisconnect);
    socket.on("event", onEvent);
    socket.on("metrics", onMetrics);
    socket.on("heartbeat", onHeartbeat);
    if (socket.connected) join();
    return () => {
      socket.off("connect", join);
      socket.off("disconnect", onDisconnect);
      socket.off("event", onEvent);
      socket.off("metrics", onMetrics);
      socket.off("heartbeat", onHeartbeat);
      if (experimentId !== null) socket.emit("leave", { experimentId });
      events.cancel();
      metrics.cancel();
      heartbeats.cancel();
    };
  }, [name, startSeq]);

  return { connection };
}
