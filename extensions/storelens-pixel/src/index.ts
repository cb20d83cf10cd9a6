// Entry point that Shopify loads in the pixel sandbox.

import { register } from "@shopify/web-pixels-extension";
import { guard } from "../../storelens-embed/src/log";
import { createPixel } from "./pixel";

register(guard((api) => createPixel(api)));
