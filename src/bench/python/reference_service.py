"""The home-made Python peer: FastAPI + uvicorn + torchvision, one worker, no batching. It serves
POST /classify?model=NAME&topK=K with a raw image body and answers the top-k classes.

With --bfloat16 it is the careful peer, written as a user who knows this CPU would: networks and
inputs channels-last, torch.inference_mode() and torch.autocast("cpu", dtype=torch.bfloat16),
softmax in float32.

usage: reference_service.py --port PORT --labels imagenet-labels.txt [--bfloat16]
"""
import contextlib

import argparse
import io
import pathlib

import torch
import uvicorn
from fastapi import FastAPI, HTTPException, Request
from PIL import Image, UnidentifiedImageError

import references


def create_app(labels, bfloat16=False):
    references.use_all_cores()
    networks = {name: references.build(name) for name in references.NETWORKS}
    if bfloat16:
        networks = {name: network.to(memory_format=torch.channels_last) for name, network in networks.items()}
    prepare = {name: references.preprocessing(name) for name in references.NETWORKS}
    app = FastAPI()

    def inference_context():
        if not bfloat16:
            return torch.no_grad()
        stack = contextlib.ExitStack()
        stack.enter_context(torch.inference_mode())
        stack.enter_context(torch.autocast("cpu", dtype=torch.bfloat16))
        return stack

    @app.get("/health")
    def health():
        return {"status": "UP", "versions": references.versions()}

    @app.post("/classify")
    async def classify(request: Request, model: str = "googlenet", topK: int = 5):
        if model not in networks:
            raise HTTPException(404, f"no model '{model}'; served: {sorted(networks)}")
        body = await request.body()
        try:
            image = Image.open(io.BytesIO(body)).convert("RGB")
        except UnidentifiedImageError as e:
            raise HTTPException(415, str(e)) from e
        batch = prepare[model](image).unsqueeze(0)
        if bfloat16:
            batch = batch.contiguous(memory_format=torch.channels_last)
        with inference_context():
            probabilities = networks[model](batch).float().softmax(1)[0]
        top = probabilities.topk(topK)
        return {"model": model, "predictions": [
            {"label": labels[i], "classIndex": i, "probability": p}
            for p, i in zip(top.values.tolist(), top.indices.tolist())]}

    return app


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--labels", type=pathlib.Path, required=True)
    parser.add_argument("--bfloat16", action="store_true", help="autocast to bfloat16, channels-last, inference_mode")
    args = parser.parse_args()
    labels = args.labels.read_text().splitlines()
    uvicorn.run(create_app(labels, args.bfloat16), host="127.0.0.1", port=args.port, workers=1, log_level="warning")


if __name__ == "__main__":
    main()
