// One place for the view library: Preact + htm (tagged templates, no build step).
import { h, render } from "preact";
import { useEffect, useRef, useState, useCallback, useMemo } from "preact/hooks";
import htm from "htm";

export const html = htm.bind(h);
export { h, render, useEffect, useRef, useState, useCallback, useMemo };
