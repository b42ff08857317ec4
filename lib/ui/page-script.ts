/**
 * Entry of public/page-script.js (bundled by scripts/build-launcher.mjs): the one
 * script of the pages under pages/, which ship without the React runtime.
 */
import { enhance } from "@/lib/ui/enhance";

enhance(document);
