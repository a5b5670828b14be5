import MediaIndex
print(Placeholder.version())
