"""The home-made Python peer: FastAPI + uvicorn + torchvision, one worker, no batching. It serves
POST /classify?model=NAME&topK=K with a raw image body and answers the top-k classes.

usage: reference_service.py --port PORT --labels imagenet-labels.txt
"""

import argparse
import io
import pathlib

import torch
import uvicorn
from fastapi import FastAPI, HTTPException, Request
from PIL import Image, UnidentifiedImageError

import references


def create_app(labels):
    references.use_all_cores()
    networks = {name: references.build(name) for name in references.NETWORKS}
    prepare = {name: references.preprocessing(name) for name in references.NETWORKS}
    app = FastAPI()

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
        with torch.no_grad():
            probabilities = networks[model](prepare[model](image).unsqueeze(0)).softmax(1)[0]
        top = probabilities.topk(topK)
        return {"model": model, "predictions": [
            {"label": labels[i], "classIndex": i, "probability": p}
            for p, i in zip(top.values.tolist(), top.indices.tolist())]}

    return app


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--labels", type=pathlib.Path, required=True)
    args = parser.parse_args()
    labels = args.labels.read_text().splitlines()
    uvicorn.run(create_app(labels), host="127.0.0.1", port=args.port, workers=1, log_level="warning")


if __name__ == "__main__":
    main()
