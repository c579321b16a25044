FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
COPY . .
USER node
EXPOSE 4000 4001
CMD ["npx", "tsx", "bin/tracseq.ts", "start"]
