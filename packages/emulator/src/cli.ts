#!/usr/bin/env node
import { runEmulatorCli } from "./cli-main.js";

process.exitCode = await runEmulatorCli(process.argv.slice(2));
