"use client";
// The width of a box, kept current as the window resizes: a chart drawn at its real size (SVG or
// canvas) keeps its text crisp and unstretched (a viewBox or a scaled canvas would stretch it).
import { useEffect, useRef, useState, type RefObject } from "react";

export function useWidth<T extends HTMLElement>(): [RefObject<T | null>, number] {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const observer = new ResizeObserver(([entry]) => entry && setWidth(Math.floor(entry.contentRect.width)));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}
