# Builds the `edge` executable into a small runtime image.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/EdgeHost -c Release -o /out

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /var/lib/edge
COPY --from=build /out /opt/edge
ENV Edge__DataDirectory=/var/lib/edge
EXPOSE 5000
ENTRYPOINT ["dotnet", "/opt/edge/edge.dll"]
CMD ["serve"]
