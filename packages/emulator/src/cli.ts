#!/usr/bin/env node
import { runEmulatorCli } from "./cli-main.js";

await runEmulatorCli(process.argv.slice(2));
