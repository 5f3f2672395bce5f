/**
 * What `hnstudio --help` and `hnstudio COMMAND --help` print. Kept apart from the commands so that every one of
 * them (including those whose files are busy elsewhere) gets its usage through the shared parser in args.ts.
 */
export const COMMAND_USAGE = {
  inspect: `usage: hnstudio inspect FILE.pt [--json]
  Describe an A1111 hypernetwork file: widths, layer structure, activation, layer norm, dropout, training step,
  base checkpoint, dtype, parameter count and layout per width.
  --json        print one JSON object instead of the summary`,
  convert: `usage: hnstudio convert FILE.pt OUT.safetensors
  Write the hypernetwork's tensors as stored, named "<width>.<0=K|1=V>.<key>", with its metadata as JSON.`,
  'convert-checkpoint': `usage: hnstudio convert-checkpoint FILE [--config F.yaml] [--vae F] [--fp16] --out DIR
  Convert an A1111 checkpoint (SD 1.x/2.x .safetensors or .ckpt) into an ONNX model folder (Optimum layout) that
  generate and the app load. A1111's files beside FILE are used unless given: STEM.yaml (its LDM config) and
  STEM.vae.pt/.vae.ckpt/.vae.safetensors (its VAE).
  --config F.yaml              the LDM config (channels, heads, context width, parameterization: v, …)
  --vae F                      a separate VAE (.vae.pt, .vae.safetensors) instead of the checkpoint's
  --fp16                       store the weights as float16 (half the size)
  --prediction auto|v|epsilon  what the U-Net predicts (auto: the config; SD 1.x epsilon; SD 2.x without a
                               config: A1111's probe of the U-Net)
  --name NAME                  the model's name (default: FILE without its extension, as A1111's "Model:")
  --tokenizer DIR              CLIP's vocab.json and merges.txt (default: the demo model's, which are CLIP's)
  --out DIR                    the new folder (must not exist; written under a temporary name, renamed at the end)`,
  generate: `usage: hnstudio generate --model DIR --prompt TEXT --out FILE.png [options]
  Generate with the app's engine in Node: native onnxruntime on the CPU by default (no 4 GiB limit, so full-size
  SD 1.x/2.x models run), onnxruntime-web's WASM or native WebGPU on request.
  --model DIR                  a Stable Diffusion ONNX folder (Optimum layout), e.g. public/models/sd-shapes-demo
  --prompt TEXT                the prompt (A1111 emphasis and <hypernet:…> tags)
  --negative TEXT              the negative prompt
  --sampler NAME               e.g. "Euler a" (default), "DPM++ 2M Karras", DDIM
  --steps N                    sampling steps (default 20)
  --cfg X                      classifier-free guidance scale (default 7)
  --seed N                     seed; -1 or none draws one (printed and written into the PNG)
  --width W, --height H        image size (default: the model's)
  --batch-count N              that many runs, seeds S, S+1, …; several images are written as OUT-0.png, …
  --batch-size N               images per run (1 to 8; one U-Net call per step where the model allows)
  --schedule-type NAME         A1111's Schedule type: Automatic (default), Karras, Exponential, …
  --clip-skip N                condition on the text encoder's N-th layer from the end (default 1)
  --ensd N                     Eta noise seed delta for ancestral/SDE noise (default 0)
  --variation-seed N           A1111's variation seed (-1 draws one); with --variation-strength X (0 to 1)
  --seed-resize-from WxH       draw the seed's noise as at that size ("Resize seed from")
  --init-image FILE.png        img2img: start from this image (any size, fitted by --resize-mode)
  --denoise X                  img2img's denoising strength, 0 to 1 (default 0.75; 0: the image through the VAE)
  --resize-mode just|crop|fill  fit the init image: stretch (default), cover and crop, or fit and fill
  --hires-scale X              hires fix: upscale the first pass by X (default 2; any --hires-* turns it on)
  --hires-resize WxH           hires fix: to this size instead (one side 0 keeps the aspect)
  --hires-steps N              the second pass's steps (default 0: the first pass's)
  --hires-denoise X            the second pass's denoising strength (default 0.7)
  --hires-upscaler NAME        Latent (default), "Latent (antialiased)", "Latent (bicubic)", "Latent (bicubic
                               antialiased)", "Latent (nearest)", "Latent (nearest-exact)", None, Lanczos, Nearest
  --hires-sampler NAME, --hires-schedule-type NAME   the second pass's (default: the first pass's)
  --backend cpu|wasm|webgpu    cpu: native onnxruntime (default); wasm: the browser's runtime (4 GiB heap, so
                               full-size models are refused); webgpu: native WebGPU (Dawn; needs a Vulkan GPU)
  --threads N                  onnxruntime threads (default: cpu all cores, wasm 1)
  --verbose                    print the load report: plan, conversions and memory (JS, wasm, RSS) per phase
  --hypernetwork FILE.pt[:S]   stack a hypernetwork at strength S (default 1); repeatable, applied in order
  --out FILE.png               where to write the image, with A1111's "parameters" text`,
  noise: `usage: hnstudio noise --seed N --shape B,C,H,W --out FILE.npy
  Write the initial latent noise exactly as the engine (and torch.randn on the CPU) draws it: one generator per
  image, seeds N, N+1, …`,
  sigmas: `usage: hnstudio sigmas --model DIR [--sampler NAME] [--steps N] [--json]
  Print the sampler's noise levels (N+1 values ending in 0) for the model's scheduler_config.json.
  --json        one JSON array instead of "index<TAB>sigma" lines`,
  patch: `usage: hnstudio patch UNET.onnx --hypernetwork A.pt[:STRENGTH]… [--bake] --out OUT.onnx
  Put the hypernetworks' K/V MLPs into the U-Net graph, in front of every attention's to_k/to_v of a matching width.
  --hypernetwork A.pt[:S]      repeatable, applied in order
  --bake                       strengths (default 1) become constants; without it the graph gets one float32 [1]
                               input hypernetwork_strength_<i> per hypernetwork
  --standalone                 write a self-contained OUT.onnx + OUT.onnx_data; without it OUT.onnx must be in the
                               input's folder and references the weights there (only the MLPs are new: ~90 MB
                               for SD 1.5 instead of a 3.4 GB copy)
  --out OUT.onnx               the patched model`,
  'png-info': `usage: hnstudio png-info FILE.png [--json]
  Prints what PNG Info restores from an image made by A1111 (or this app): prompt, negative prompt, every
  parameter, the <hypernet:name:strength> tags, other text chunks, and text chunks skipped as damaged.
  --json   one JSON object: file, parameters (the raw text or null), prompt, negativePrompt, params,
           hypernets, hypernetError, otherText, problems`,
  tokens: `usage: hnstudio tokens (PROMPT | --prompt-file FILE) [--model DIR] [--json]
  A1111's token counter: tokens used out of 75 per chunk, each chunk's tokens with their weights after
  emphasis ((x:1.3), [x], BREAK), and the <hypernet:…> and other extra-network tags (removed before CLIP).
  --prompt-file FILE   read the prompt from a file (UTF-8)
  --model DIR   the model whose tokenizer/ to use (default: the embedded demo, SD 1.x's CLIP vocabulary)
  --json        one JSON object: tokenCount, limit, chunks[{tokens[{id,text,weight}]}], fragments,
                extraNetworks, hypernets, hypernetError`,
} as const;

export type CommandName = keyof typeof COMMAND_USAGE;

export const USAGE = `usage: hnstudio COMMAND [options]     (hnstudio COMMAND --help for its options)
  inspect FILE.pt [--json]                  describe a hypernetwork file
  convert FILE.pt OUT.safetensors           write its tensors as safetensors
  convert-checkpoint FILE [--config F.yaml] [--vae F] [--fp16] --out DIR   an A1111 checkpoint as an ONNX folder
  generate --model DIR --prompt TEXT --out FILE.png [--hypernetwork A.pt[:S]]… [--backend B]   generate an image
  noise --seed N --shape B,C,H,W --out FILE.npy   initial latent noise, as the engine draws it
  sigmas --model DIR [--sampler NAME] [--steps N] the sampler's sigma schedule
  patch UNET.onnx --hypernetwork A.pt[:S]… [--bake] [--standalone] --out OUT.onnx   the U-Net with the hypernetworks inside
  png-info FILE.png [--json]                what PNG Info restores: prompt, parameters, hypernetworks
  tokens (PROMPT | --prompt-file F) [--model DIR] [--json]   A1111's token counter`;
